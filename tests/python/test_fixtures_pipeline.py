"""Every real-export fixture through the real /upload gives exactly its expected contacts, rejects and duplicates."""
import glob
import json
import os

import pytest

from support.paths import FIXTURES

CASES = sorted(glob.glob(os.path.join(FIXTURES, "*.expected.json")))


def expected_for(path):
    """The fixture's expected JSON."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@pytest.mark.parametrize("expected_path", CASES, ids=[os.path.basename(p)[:-len(".expected.json")] for p in CASES])
def test_fixture_upload_matches_expected(sidecar, expected_path):
    fixture = expected_path[:-len(".expected.json")]
    expected = expected_for(expected_path)
    form = {"default_region": expected["default_region"]}
    form.update(expected.get("form", {}))
    r = sidecar.upload(fixture, **form)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [{"row": c["row"], "number": c["number"], "name": c["name"]} for c in body["contacts"]] == \
        expected["contacts"]
    assert [{"row": i["row"], "reason": i["reason"]} for i in body["invalid"]] == expected["invalid"]
    assert [{"row": d["row"], "duplicate_of_row": d["duplicate_of_row"]} for d in body["duplicates"]] == \
        expected["duplicates"]
    assert sidecar.leftover_temp_files() == []


def test_there_are_fixtures_for_every_format():
    kinds = {os.path.splitext(p[:-len(".expected.json")])[1] for p in CASES}
    assert {".csv", ".txt", ".xlsx", ".xls", ".vcf"} <= kinds
