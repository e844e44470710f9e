"""One owner per data directory: an exclusive OS lock on <data dir>/sidecar.lock, taken first at start-up.

The operating system drops the lock when its process ends in any way (kill -9 included), so a stale file never
blocks a restart. A second sidecar on the same directory fails to take it and must exit before it touches
anything else (no recovery, no schema upgrade, no port). In the team server mode the campaign lease in the
database (lease.py) takes over this role.
"""
import os

LOCK_NAME = "sidecar.lock"
WINDOWS_LOCK_OFFSET = 1 << 30  # Windows locks a byte range: lock one far past the holder text


class DataDirInUse(Exception):
    """Another live process holds the data directory's lock."""

    def __init__(self, data_dir, holder):
        self.data_dir, self.holder = data_dir, holder
        super().__init__("%s (held by %s)" % (data_dir, holder or "another Bulk Messaging sidecar"))


class InstanceLock:
    """A held lock; `release()` (or the end of the process) frees it."""

    def __init__(self, fd, path):
        self.fd, self.path = fd, path

    def release(self):
        """Give the directory up (tests; the process end does it too)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def try_lock(fd):
    """Take an exclusive, non-blocking lock on FD; OSError when someone else holds it."""
    if os.name == "nt":
        import msvcrt
        os.lseek(fd, WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def read_holder(fd):
    """The holder text the owner wrote (pid), or ''."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 200).decode("utf-8", "replace").strip()
    except OSError:
        return ""


def write_holder(fd):
    """Record who holds the lock (best effort: a full disk must not stop the owner)."""
    try:
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, ("pid %d" % os.getpid()).encode("ascii"))
    except OSError:
        pass


def acquire(data_dir):
    """Lock DATA_DIR for this process; raises DataDirInUse when another process owns it."""
    path = os.path.join(data_dir, LOCK_NAME)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try_lock(fd)
    except OSError:
        holder = read_holder(fd)
        os.close(fd)
        raise DataDirInUse(data_dir, holder) from None
    write_holder(fd)
    return InstanceLock(fd, path)
