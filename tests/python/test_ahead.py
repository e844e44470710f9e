"""core.ahead: items come in order, a producer's error reaches the consumer, and a consumer that stops early
leaves no thread behind (the list save runs its batches through it)."""
import threading

import pytest
from core.ahead import ahead


def live_ahead_threads():
    """Producer threads still running."""
    return [t for t in threading.enumerate() if t.name == "ahead"]


def test_every_item_arrives_in_order_and_the_thread_ends():
    assert list(ahead(iter(range(1000)), depth=2)) == list(range(1000))
    assert live_ahead_threads() == []


def test_items_are_produced_in_another_thread_at_most_depth_ahead():
    produced, where = [], set()

    def items():
        for i in range(10):
            where.add(threading.current_thread().name)
            produced.append(i)
            yield i

    consumer = ahead(items(), depth=1)
    assert next(consumer) == 0
    # One handed over, at most one waiting in the queue and one being offered: never the whole input.
    assert len(produced) <= 3
    assert list(consumer) == list(range(1, 10))
    assert where == {"ahead"}


def test_an_error_while_producing_is_raised_to_the_consumer_after_the_items_before_it():
    def items():
        yield 1
        yield 2
        raise LookupError("import gone")

    got = []
    with pytest.raises(LookupError, match="import gone"):
        for item in ahead(items()):
            got.append(item)
    assert got == [1, 2]
    assert live_ahead_threads() == []


def test_a_consumer_that_stops_early_stops_the_producer():
    produced = []

    def endless():
        i = 0
        while True:
            produced.append(i)
            yield i
            i += 1

    consumer = ahead(endless(), depth=1)
    assert next(consumer) == 0
    consumer.close()  # what a for loop leaving with an error or a break does
    assert live_ahead_threads() == []
    assert len(produced) <= 4
