"""Threads kept for the process's life, to spread work that releases the GIL (Arrow kernels, calamine's parse)
over the cores this process may use."""
import os
from concurrent import futures

import pyarrow as pa

MAX_WORKERS = 4


def usable_cores():
    """How many cores this process may run on: its CPU affinity, capped by a cgroup CPU quota (a container run
    with --cpus, a systemd unit with CPUQuota=), where more threads than the quota only queue."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1
    return min(cores, cgroup_cores() or cores)


def cgroup_cores(root="/sys/fs/cgroup", membership="/proc/self/cgroup"):
    """The CPU quota of this process's cgroup (v2 cpu.max, else v1 cpu.cfs_quota_us), rounded up to whole cores;
    None when there is none or it cannot be read. Every cgroup from this one up to the hierarchy's root caps it
    (the smallest quota holds); a container's own cgroup may be mounted at the root while /proc names the host's
    path, which then does not exist and the root answers."""
    quotas = []
    for line in read_lines(membership):
        hierarchy, _, path = line.partition(":")[2].partition(":")
        if hierarchy and "cpu" not in hierarchy.split(","):
            continue
        base = os.path.join(root, hierarchy) if hierarchy else root  # v2's one hierarchy: "0::/path"
        folder = os.path.normpath(os.path.join(base, path.lstrip("/")))
        while folder.startswith(base):
            quotas.append(folder_quota(folder, v2=not hierarchy))
            folder = os.path.dirname(folder) if folder != base else ""
    quotas = [quota for quota in quotas if quota]
    return min(quotas) if quotas else None


def folder_quota(folder, v2):
    """Whole cores of the CPU quota set in cgroup FOLDER (a v2 or v1 one), None when none is set or readable."""
    if v2:
        fields = (read_lines(os.path.join(folder, "cpu.max")) or [""])[0].split()
        return quota_cores(*fields) if len(fields) == 2 and fields[0] != "max" else None
    quota = (read_lines(os.path.join(folder, "cpu.cfs_quota_us")) or ["-1"])[0]
    period = (read_lines(os.path.join(folder, "cpu.cfs_period_us")) or ["0"])[0]
    return quota_cores(quota, period)


def quota_cores(quota, period):
    """A quota of QUOTA microseconds per PERIOD (text) as whole cores, rounded up; None when malformed."""
    try:
        quota, period = int(quota), int(period)
    except ValueError:
        return None
    return max(1, -(-quota // period)) if quota > 0 and period > 0 else None


def read_lines(path):
    """The lines of the text file at PATH, [] when it cannot be read."""
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            return handle.read(65536).splitlines()
    except OSError:
        return []


WORKERS = min(MAX_WORKERS, usable_cores())
# Kept for the process's life (a thread starts at its first piece), so each import does not start new ones.
HELPERS = futures.ThreadPoolExecutor(max_workers=max(1, WORKERS - 1), thread_name_prefix="fast-path")


def on_cores(calls, workers=WORKERS):
    """The results of CALLS, in order, WORKERS at a time: every WORKERS-th on this thread, the others on kept
    helper threads."""
    helped = {i: HELPERS.submit(released_after, call) for i, call in enumerate(calls) if i % workers}
    try:
        own = {i: call() for i, call in enumerate(calls) if not i % workers}
    finally:
        futures.wait(helped.values())  # nothing the calls use (a temporary file) may go while a helper runs
    return [own[i] if i in own else helped[i].result() for i in range(len(calls))]


def released_after(call):
    """CALL(), then this thread's freed Arrow memory handed back: the allocator heap of a thread that then sits
    idle keeps it (a 1M-row extract peaked at 631-639 MB without this, 552-571 MB with it, 573-602 MB on one
    thread; threads made per import did the same)."""
    try:
        return call()
    finally:
        pa.default_memory_pool().release_unused()
