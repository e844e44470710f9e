"""core.memory.FullCollectionsHeld: no automatic full collection inside, young ones still run, and the
collector's thresholds come back when the last of several (threaded, nested) holders leaves."""
import gc
import threading

from core.memory import FullCollectionsHeld


def collections_while(work):
    """{generation: collections} the collector ran during WORK()."""
    seen = []

    def note(phase, info):
        if phase == "stop":
            seen.append(info["generation"])
    gc.callbacks.append(note)
    try:
        work()
    finally:
        gc.callbacks.remove(note)
    return {g: seen.count(g) for g in set(seen)}


def many_containers():
    """Enough new container objects to trip full collections at the default thresholds."""
    kept = [[i] for i in range(300_000)]
    for _ in range(3):
        kept += [[i] for i in range(300_000)]
    return len(kept)


def test_inside_no_full_collection_runs_but_young_ones_do():
    before = gc.get_threshold()
    outside = collections_while(many_containers)
    assert outside.get(2, 0) >= 1  # the work does trip full collections normally
    held = FullCollectionsHeld()
    with held:
        inside = collections_while(many_containers)
    assert inside.get(2, 0) == 0
    assert inside.get(0, 0) > 100 and inside.get(1, 0) >= 1
    assert gc.get_threshold() == before


def test_the_threshold_comes_back_when_the_last_holder_leaves():
    before = gc.get_threshold()
    held = FullCollectionsHeld()
    entered, release = threading.Barrier(2), threading.Event()

    def hold_in_a_thread():
        with held:
            entered.wait()
            release.wait()
    thread = threading.Thread(target=hold_in_a_thread)
    thread.start()
    entered.wait()
    with held:
        with held:
            assert gc.get_threshold()[2] == FullCollectionsHeld.NEVER
        assert gc.get_threshold()[2] == FullCollectionsHeld.NEVER
    assert gc.get_threshold()[2] == FullCollectionsHeld.NEVER  # the thread still holds
    release.set()
    thread.join()
    assert gc.get_threshold() == before


def test_an_error_inside_still_lets_full_collections_run_again():
    before = gc.get_threshold()
    held = FullCollectionsHeld()
    try:
        with held:
            raise ValueError("the import failed")
    except ValueError:
        pass
    assert gc.get_threshold() == before
