"""Private temporary folders for uploaded files, and the removal of the ones a dead process left behind.

Each upload is saved in a fresh owner-only folder named bulkmsg-upload-<pid>-<random> and removed when read.
A process killed mid-upload cannot remove its folder, so at start-up the sidecar removes every such folder older
than itself whose owner is gone: on POSIX a process that no longer exists; where the owner cannot be asked (on
Windows, where probing a process id safely needs more than the standard library, or a folder named by an older
version, without a pid) a folder over an hour old, since no upload takes that long.
"""
import contextlib
import logging
import os
import re
import shutil
import tempfile
import time

PREFIX = "bulkmsg-upload-"
OWNED_FOLDER = re.compile(r"^bulkmsg-upload-(?:(\d+)-)?")
SAFE_EXTENSION = re.compile(r"^\.[a-z0-9]{1,5}$")
# The upload is copied out of werkzeug's spooled file 1 MB at a time, not 16 KB (2,000 turns of a Python loop for a
# 32 MB CSV).
COPY_BUFFER_BYTES = 1 << 20
UNKNOWN_OWNER_STALE_SECONDS = 3600
# The time this process (or at least this module, imported at start-up) began.
STARTED = time.time()

log = logging.getLogger(__name__)


@contextlib.contextmanager
def private_folder():
    """A fresh owner-only temporary folder that start-up cleans up if this process dies; always removed."""
    directory = tempfile.mkdtemp(prefix="%s%d-" % (PREFIX, os.getpid()))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def private_upload(storage):
    """Save STORAGE (a werkzeug FileStorage: .filename, .save(path, buffer_size)) in a fresh owner-only folder under
    a fixed name; always remove the folder."""
    with private_folder() as directory:
        ext = os.path.splitext(storage.filename or "")[1].lower()
        path = os.path.join(directory, "upload" + (ext if SAFE_EXTENSION.match(ext) else ""))
        storage.save(path, buffer_size=COPY_BUFFER_BYTES)
        yield path


def process_alive(pid):
    """Whether process PID exists (POSIX); on Windows None: unknown."""
    if os.name == "nt":
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except OSError:
        return False
    return True


def is_stale(path, owner_pid, now):
    """Whether the upload folder PATH (made by OWNER_PID, None when unknown) was left by a process now gone."""
    modified = os.lstat(path).st_mtime
    if modified >= STARTED:
        return False  # made while this process runs: some live sidecar's upload in progress
    if owner_pid == os.getpid():
        return True  # a dead process whose id this one now has
    alive = None if owner_pid is None else process_alive(owner_pid)
    if alive is None:  # no owner to ask (an older version's folder, or Windows): go by age
        return now - modified > UNKNOWN_OWNER_STALE_SECONDS
    return not alive


def remove_stale_uploads(temp_dir=None):
    """Remove the upload folders that dead processes left in TEMP_DIR (default: the temp folder); their count."""
    temp_dir = temp_dir or tempfile.gettempdir()
    removed, now = 0, time.time()
    try:
        names = os.listdir(temp_dir)
    except OSError:
        return 0
    for name in names:
        match = OWNED_FOLDER.match(name)
        path = os.path.join(temp_dir, name)
        try:
            if not match or not os.path.isdir(path) or os.path.islink(path):
                continue
            if is_stale(path, int(match.group(1)) if match.group(1) else None, now):
                shutil.rmtree(path)
                removed += 1
        except OSError as error:
            log.warning("could not remove the stale upload folder %s: %s", name, error)
    if removed:
        log.info("removed %d upload folder(s) left by a process that died", removed)
    return removed
