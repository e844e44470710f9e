"""The tests stand on their own: no test or script names a path outside the checkout, and no test module
imports another (shared helpers live in tests/python/support/)."""
import os
import re

from support.paths import REPO

CHECKED = ("tests", "scripts", ".ci")
SKIPPED_DIRS = {"node_modules", "__pycache__", ".venv"}
TEXT_SUFFIXES = (".py", ".mjs", ".js", ".ts", ".json", ".sh", ".md", ".toml", ".yml", ".yaml")
# A sibling folder reached by '..' (a "shared" folder beside the checkout, as a path or as os.path.join parts)
# or the absolute folder that holds checkouts on the development machine. Written in pieces so this file does
# not match itself.
OUTSIDE = re.compile(r"\.\./" + r"shared|[\"']\.\.[\"'],\s*[\"']shared|(?<![\w.~-])/" + r"work/")


def checked_files():
    """Every text file under the checked folders (extensionless ones are the shell scripts)."""
    for folder in CHECKED:
        for root, dirs, files in os.walk(os.path.join(REPO, folder)):
            dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
            for name in files:
                if name.endswith(TEXT_SUFFIXES) or "." not in name:
                    yield os.path.join(root, name)


def test_no_test_or_script_reads_outside_the_repository():
    """A fresh clone with nothing beside it must run the tests: no file names a path outside the checkout."""
    found = []
    for path in checked_files():
        with open(path, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                if OUTSIDE.search(line):
                    found.append("%s:%d: %s" % (os.path.relpath(path, REPO), number, line.strip()))
    assert found == []


def test_the_check_finds_what_it_looks_for():
    """The pattern catches the ways such paths were written before."""
    for line in ('GEN = os.path.join(REPO, "..", ' + '"shared", "bench", "gen_contacts.py")',
                 "Inputs come from ../" + "shared/bench/gen_contacts.py",
                 'GENERATOR = os.environ.get("X", "/' + 'work/shared/bench/gen_contacts.py")',
                 "Inputs come from /" + "work/shared/bench/gen_contacts.py (cached in .bench/)"):
        assert OUTSIDE.search(line), line
    assert not OUTSIDE.search('sheet = "xl/sharedStrings.xml"') and not OUTSIDE.search("tmp/work/" + "x")


IMPORTS_A_TEST = re.compile(r"^\s*(from|import)\s+(test_\w+|conftest)\b", re.MULTILINE)


def test_no_test_module_imports_another():
    """What tests share lives in support/ (or fakes/); importing a test module (or conftest) runs its tests'
    set-up twice and ties unrelated files together."""
    here = os.path.join(REPO, "tests", "python")
    offenders = []
    for root, dirs, files in os.walk(here):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    offenders += ["%s: %s" % (name, m.group(0).strip()) for m in IMPORTS_A_TEST.finditer(f.read())]
    assert offenders == []
    assert IMPORTS_A_TEST.search("from test_readers_support import cells\n")
