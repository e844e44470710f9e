"""Differential: POST /parse-manual-numbers of a varied 20k-line paste answers, byte for byte, what the same
import gives when every line is found by the line-by-line scan (find_numbers_in_text), the slow reference."""
import random
import sys

import numpy as np
import orjson

from contacts.extract import extract_text
from contacts.freetext import find_numbers_in_text
from contacts.report import result_json
from support.paths import SCRIPTS

sys.path.insert(0, SCRIPTS)
import gen_contacts  # noqa: E402  (the project's generator: its txt lists are what people paste)


def line_by_line_columns(text):
    """find_number_columns' answer built by the line-by-line scan."""
    found = find_numbers_in_text(text)
    return (np.array([f.line for f in found], dtype=np.int64), np.array([f.value for f in found], dtype=object),
            np.array([f.name for f in found], dtype=object))


def varied_paste(tmp_path, lines=20_000):
    """The generator's pasted list (names before and after, tabs, sentences, invalid and repeated numbers, region
    IN), with plain numbers and 'Name 42: number' lines in every style mixed in."""
    path = tmp_path / "paste.txt"
    gen_contacts.generate(str(path), lines * 3 // 4, "IN", fmt="txt", seed=18)
    rng = random.Random(18)
    extra = []
    for i in range(lines // 4):
        number = "9%d%08d" % (rng.randint(6, 9), rng.randint(0, 99999999))
        extra.append(rng.choice([number, "+91 %s %s" % (number[:5], number[5:]), "%s-%s" % (number[:5], number[5:]),
                                 "(080) %s" % number[2:], "Ravi %d: %s" % (i % 97, number),
                                 "  Asha Rao  %s " % number, "Order: %s" % number, "x %s" % number[:4]]))
    generated = path.read_text(encoding="utf-8").splitlines()
    mixed = generated + extra
    rng.shuffle(mixed)
    return "\n".join(mixed)


def test_a_varied_paste_answers_exactly_what_the_line_by_line_scan_gives(sidecar, tmp_path):
    text = varied_paste(tmp_path)
    response = sidecar.post("/parse-manual-numbers", json={"numbers": text, "default_region": "IN"})
    assert response.status_code == 200
    body = orjson.loads(response.content)
    reference = result_json(extract_text(text, "IN", finder=line_by_line_columns), body["import_id"],
                            body["region_source"])
    assert response.content == reference
    assert body["summary"]["valid"] > 10_000 and body["summary"]["invalid"] > 100 and body["summary"]["duplicates"]
    assert sum(1 for c in body["contacts"] if c["name"]) > 10_000
