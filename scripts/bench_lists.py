"""Issue 18, round 2: saving a list from a 100k import and the compose preview of that list, this tree beside a
baseline.

    .venv/bin/python scripts/bench_lists.py [--baseline-ref aee73a1] [--rows 100000] [--repeats 5]

For each side (a temporary git worktree of --baseline-ref, and this tree) a real sidecar starts on a free loopback
port with a fresh data directory, both at once; in rounds that alternate between them (one side first, then the other),
the script times POST /upload?limit=0 of a generated import (scripts/gen_contacts.py, region IN, seed 7, cached in
.bench/), then, after a 1 s pause, POST /lists {"name", "import_id"} and POST /compose/preview for the new list,
REPEATS rounds, and prints best and median per side and the ratio baseline / this tree; then, in one more save, how far
the sidecar's resident memory (its whole process tree, sampled every 20 ms) rose above its level before.
"""
import contextlib
import os
import statistics
import sys
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_contacts  # noqa: E402  (the project's own generator)
from bench_memory import (REPO, PeakSampler, baseline_worktree, running_sidecar,  # noqa: E402
                          same_run_arguments, tree_rss)  # the same worktree, sidecar start, command line and sampler

CACHE = os.path.join(REPO, ".bench")
# Rate limits lifted so that repeats are not refused (the groups the timed endpoints use).
RATE_LIMITS = "upload=100000/60,lists=100000/60,edits=100000/60"
PAUSE_AFTER_UPLOAD_S = 1.0
# A message with a built-in, a column of the generated file and a placeholder with a fallback.
PREVIEW_BODY = "Hi {{first_name}}, your city is {{city}}. {{name|friend}}"


def timed(call):
    """(seconds, response) of CALL(), failing on an error answer."""
    started = time.perf_counter()
    answer = call()
    seconds = time.perf_counter() - started
    answer.raise_for_status()
    return seconds, answer


def upload(url, path):
    """POST /upload?limit=0 of PATH, as the UI sends it."""
    with open(path, "rb") as handle:
        return requests.post(url + "/upload?limit=0", files={"file": (os.path.basename(path), handle)},
                             data={"default_region": "IN"}, timeout=1200)


def fields_placeholder(url, list_id):
    """A preview body naming one of the list's own columns (the generated file's columns vary by seed)."""
    fields = requests.get("%s/lists/%d" % (url, list_id), timeout=60).json()["fields"]
    return PREVIEW_BODY.replace("{{city}}", "{{%s}}" % fields[0]) if fields else PREVIEW_BODY.replace(
        "{{city}}", "{{email}}")


def memory_rise(proc, url, import_id):
    """MB the sidecar's memory rose above its level before, while saving IMPORT_ID as a list (an untimed save:
    the sampler's reads of /proc would take CPU from the timed ones)."""
    before, sampler = tree_rss(proc.pid), PeakSampler(proc.pid)
    sampler.start()
    requests.post(url + "/lists", json={"name": "memory", "import_id": import_id}, timeout=600).raise_for_status()
    return (sampler.stop() - before) / 1e6


def one_round(url, path, i, times):
    """Upload PATH, save it as a list and preview a message to it, each timed into TIMES; (import id, list size)."""
    seconds, answer = timed(lambda: upload(url, path))
    times["upload"].append(seconds)
    import_id = answer.json()["import_id"]
    # As a person saves an import after looking at it: the upload's memory release (a full garbage
    # collection 50 ms after its answer, core.memory.DeferredRelease) is not timed as part of the save.
    time.sleep(PAUSE_AFTER_UPLOAD_S)
    seconds, answer = timed(lambda: requests.post(url + "/lists", json={"name": "bench %d" % i,
                                                                      "import_id": import_id}, timeout=600))
    times["save list"].append(seconds)
    list_id, size = answer.json()["list"]["id"], answer.json()["added"]
    body = fields_placeholder(url, list_id)
    seconds, _ = timed(lambda: requests.post(url + "/compose/preview", json={"list_id": list_id, "body": body},
                                             timeout=600))
    times["compose preview"].append(seconds)
    return import_id, size


def measure_both(trees, path, repeats):
    """[({step: [seconds, ...]}, the list size, MB one more save adds)] for a fresh sidecar of each of TREES, both
    running at once, their rounds alternating (first one side first, then the other), so that the machine's
    changing load falls on both alike."""
    with contextlib.ExitStack() as stack:
        sides = [stack.enter_context(running_sidecar(tree, RATE_LIMITS)) for tree in trees]
        times = [{"upload": [], "save list": [], "compose preview": []} for _ in trees]
        last = [None] * len(trees)
        for i in range(repeats):
            for k in (range(len(trees)) if i % 2 == 0 else reversed(range(len(trees)))):
                last[k] = one_round(sides[k][1], path, i, times[k])
        return [(times[k], last[k][1], memory_rise(*sides[k], last[k][0])) for k in range(len(trees))]


def main():
    """Measure the baseline and this tree; print the table."""
    args = same_run_arguments(__doc__, "aee73a1")
    path = gen_contacts.cached(CACHE, args.rows, "IN", "csv", 7)[0]
    with baseline_worktree(args.baseline_ref) as made:
        (old, old_size, old_rise), (new, new_size, new_rise) = measure_both([made, REPO], path, args.repeats)
    print("%d-row import, list of %d contacts (baseline %d), %d repeats; seconds best / median"
          % (args.rows, new_size, old_size, args.repeats))
    print("%-18s %18s %18s %8s" % ("step", "baseline", "this tree", "ratio"))
    for step in new:
        print("%-18s %8.3f / %7.3f %8.3f / %7.3f %7.1fx" % (
            step, min(old[step]), statistics.median(old[step]), min(new[step]), statistics.median(new[step]),
            statistics.median(old[step]) / statistics.median(new[step])))
    print("%-18s %15.0f MB %15.0f MB  (peak above the level before one more save)" % (
        "save list memory", old_rise, new_rise))


if __name__ == "__main__":
    main()
