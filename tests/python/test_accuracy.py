"""Accuracy against the answer key of scripts/gen_contacts.py through the real /upload (smaller lists than
scripts/accuracy uses)."""
import os
import sys

import pytest

from support.paths import REPO

sys.path.insert(0, os.path.join(REPO, "scripts"))
import accuracy  # noqa: E402


@pytest.mark.parametrize("fmt,rows,region", [("csv", 20_000, "IN"), ("xlsx", 5_000, "IN"), ("csv", 5_000, "US"),
                                             ("txt", 3_000, "GB"), ("csv", 5_000, "FR")])
def test_upload_recovers_the_key(sidecar, tmp_path, fmt, rows, region):
    path, key = accuracy.generate(rows, region, fmt, str(tmp_path))
    body = sidecar.upload(path, default_region=region).json()
    recall, foreign, counts = accuracy.score(body["contacts"], key)
    assert recall >= accuracy.RECALL_TARGET, counts
    assert foreign < accuracy.FOREIGN_TARGET, counts
