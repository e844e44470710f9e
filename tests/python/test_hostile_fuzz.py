"""The hostile-file corpus (scripts/hostile_corpus.py) and its random mutants, uploaded to the real sidecar.

The only escape allowed is the documented answer: 200, or a 4xx JSON error with a documented code. The process
must stay alive throughout and leave no temp file. CI fuzzes for BULKMSG_HOSTILE_FUZZ_SECONDS (default 60) after
the fixed corpus; `scripts/hostile_corpus.py --fuzz SECONDS --seed N` runs longer. The seed is random per run
(BULKMSG_FUZZ_SEED fixes it) and printed with any failure, so a failure can be replayed.
"""
import os
import random
import sys

import pytest
import requests

from support.paths import SCRIPTS
from support.sidecar import Sidecar

sys.path.insert(0, SCRIPTS)
import hostile_corpus as hc  # noqa: E402  (scripts/ is not a package)

SECONDS = float(os.environ.get("BULKMSG_HOSTILE_FUZZ_SECONDS", "60"))
SEED = int(os.environ.get("BULKMSG_FUZZ_SEED", random.SystemRandom().randrange(1 << 30)))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real sidecar of this module's own (so its temp folder is this module's alone), rate limits out of reach."""
    sidecar = Sidecar(tmp_path_factory.mktemp("fuzz"), env={"BULKMSG_RATE_LIMITS": "upload=100000/60"})
    yield sidecar.start()
    sidecar.stop()


@pytest.mark.slow
def test_every_hostile_file_gets_a_documented_answer_and_the_server_survives(server):
    """Corpus then mutants: no 5xx, no undocumented code, no dropped connection, no death, no temp file."""
    alive = lambda: server.proc.poll() is None  # noqa: E731
    sent, failures = hc.fuzz(server.url, hc.everything(SEED), SECONDS, alive)
    assert failures == [], "seed %d: %s" % (SEED, failures[:10])
    assert sent > len(list(hc.corpus())), "no mutant was sent (seed %d)" % SEED
    server.assert_alive()
    assert requests.get(server.url + "/health", timeout=10).status_code == 200
    assert server.leftover_temp_files() == [], "seed %d" % SEED


def test_the_corpus_holds_each_kind_of_trick():
    """The corpus really carries the tricks the docs promise (a corpus that lost them would pass vacuously)."""
    names = [name for name, _, _ in hc.corpus()]
    for trick in ("spelling", "prefix", "path", "unreferenced", "zip-duplicate", "zip-lying-sizes", "zip-named-ods",
                  "zip-utf16", "zip-deep-nesting", "zip-billion-laughs", "zip-external-entity", "zip-prepended",
                  "csv-one-line-of-commas", "csv-ragged", "ok-csv-cr-only", "ok-huge-dimension", "xls-dimensions",
                  "xls-dimensions-first-row-past-last", "xls-far-cells-either-side-of-a-chart",
                  "xls-sheet-inside-another-record", "shared-strings-unique-count", "shared-string-named-20000",
                  "shared-string-named-in-prefixed", "xls-shared-string-named"):
        assert any(trick in name for name in names), trick
