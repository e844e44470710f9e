"""Work done one step ahead in a background thread, so that Python work overlaps a call that releases the GIL.

Saving an import as a list alternates two kinds of work per batch: building the rows and counting their shapes
(Python, holding the GIL) and SQLite inserting them (C, without the GIL). Producing batch k+1 while SQLite inserts
batch k uses the second core for what was waiting time.
"""
import queue
import threading

_DONE = object()
# How often a producer blocked on a full queue looks whether the consumer has gone.
OFFER_SECONDS = 0.05


def ahead(items, depth=1):
    """Yield ITEMS (an iterator) as a background thread produces them, at most DEPTH ahead of the consumer.

    An error raised while producing is raised here, at the item it replaced. When the consumer stops early
    (an error, a break), the producer stops at its next item and the thread is joined before this returns."""
    box, stop = queue.Queue(depth), threading.Event()
    thread = threading.Thread(target=produce, args=(items, box, stop), daemon=True, name="ahead")
    thread.start()
    try:
        while True:
            item, err = box.get()
            if err is not None:
                raise err
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        thread.join()


def produce(items, box, stop):
    """Put each of ITEMS in BOX (with None), then _DONE, or (_DONE, the error) when producing one fails."""
    try:
        for item in items:
            if not offer(box, (item, None), stop):
                return
        offer(box, (_DONE, None), stop)
    except BaseException as err:  # handed to the consumer, which raises it in its own thread
        offer(box, (_DONE, err), stop)


def offer(box, entry, stop):
    """Put ENTRY in BOX unless STOP is set first; whether it was put."""
    while not stop.is_set():
        try:
            box.put(entry, timeout=OFFER_SECONDS)
            return True
        except queue.Full:
            continue
    return False
