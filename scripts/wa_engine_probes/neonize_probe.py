"""Start neonize with a fresh session and no network; report time to the first outcome and memory."""
import json, os, resource, sys, threading, time
t0 = time.perf_counter()
from neonize.client import NewClient
loaded = time.perf_counter() - t0
client = NewClient(sys.argv[1])
outcome = {}
def run():
    try:
        client.connect()
    except Exception as err:
        outcome["error"] = str(err)[:80]
    outcome["at"] = time.perf_counter() - t0
thread = threading.Thread(target=run, daemon=True); thread.start(); thread.join(60)
import inspect
chosen = "extra" in inspect.signature(client.send_message).parameters
print(json.dumps({"engine": "neonize", "import_s": loaded, "first_outcome_s": outcome.get("at"),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "chosen_ids": chosen,
                  "outcome": outcome.get("error")}))
os._exit(0)
