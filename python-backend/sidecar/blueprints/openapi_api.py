"""GET /openapi.json: the API's machine-readable description, merged from each area's part file.

The 429 answer of rate-limited operations is added here from the views themselves (@limited), so the description
cannot miss a limit a view carries, whichever area's part file describes the operation.
"""
import copy
import functools
import re

from flask import Blueprint, current_app

from ..jsonio import json_response
from ..openapi import openapi_document
from ..ratelimit import group_of

bp = Blueprint("openapi", __name__)

RATE_LIMITED_ANSWER = {"$ref": "#/components/responses/RateLimited"}


def openapi_path(rule):
    """A Flask rule as an OpenAPI path ('/imports/<int:entry_id>' -> '/imports/{entry_id}')."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def with_rate_limit_answers(document, app):
    """A copy of DOCUMENT where every operation whose view is rate-limited lists the 429 answer."""
    document = copy.deepcopy(document)
    for rule in app.url_map.iter_rules():
        if group_of(app.view_functions.get(rule.endpoint)) is None:
            continue
        operations = document["paths"].get(openapi_path(rule.rule), {})
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = operations.get(method.lower())
            if operation is not None:
                operation.setdefault("responses", {}).setdefault("429", RATE_LIMITED_ANSWER)
    return document


@functools.lru_cache(maxsize=8)
def described(app):
    """The served description of APP (built once per app)."""
    return with_rate_limit_answers(openapi_document(), app)


@bp.get("/openapi.json")
def openapi_json():
    """The merged OpenAPI description."""
    return json_response(described(current_app._get_current_object()))
