"""The OpenAPI description, merged from one part file per area (see README.md in this folder).

base.json holds the document's frame and the shared components; every other *.json file here adds its
paths and components. Two parts defining the same path or component is an error, not a silent overwrite.
"""
import functools
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
BASE_FILE = "base.json"
COMPONENT_KINDS = ("schemas", "responses", "parameters", "requestBodies", "securitySchemes")


def part_files():
    """The part files, in a stable order."""
    return sorted(n for n in os.listdir(HERE) if n.endswith(".json") and n != BASE_FILE)


def load(name):
    """One JSON file of this folder."""
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return json.load(f)


def merge_unique(target, extra, where):
    """Add EXTRA's keys to TARGET, refusing any key already there."""
    clash = sorted(set(target) & set(extra))
    if clash:
        raise ValueError("OpenAPI parts define %s twice: %s" % (where, ", ".join(clash)))
    target.update(extra)


def merge_part(document, part, name):
    """Add one area's part to DOCUMENT."""
    merge_unique(document["paths"], part.get("paths", {}), "paths (in %s)" % name)
    for kind in COMPONENT_KINDS:
        components = document["components"].setdefault(kind, {})
        merge_unique(components, part.get("components", {}).get(kind, {}), "%s (in %s)" % (kind, name))
    document["tags"].extend(part.get("tags", []))


@functools.lru_cache(maxsize=1)
def openapi_document():
    """The whole description: base.json plus every part."""
    document = load(BASE_FILE)
    document.setdefault("paths", {})
    document.setdefault("components", {})
    document.setdefault("tags", [])
    for name in part_files():
        merge_part(document, load(name), name)
    return document
