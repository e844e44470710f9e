"""A small tmpfs that fills up, for the full-disk tests (mounting needs root)."""
import errno
import os
import subprocess

import pytest

DISK_SIZE = "24m"


@pytest.fixture
def small_disk(tmp_path):
    """A fresh tmpfs of DISK_SIZE at tmp_path/disk, unmounted afterwards (skipped where mounting is impossible)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % DISK_SIZE, "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (%s); the injected-ENOSPC test covers this" % done.stderr.strip())
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(directory):
    """Write a filler file until the disk is full (big pieces, then small ones); returns its path."""
    path = os.path.join(directory, "filler.bin")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 1 << 16, 1 << 12, 1 << 9):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError as err:
                assert err.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return path
