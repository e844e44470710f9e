"""The sidecar process itself: a clean stop on SIGTERM, and no orphan when the app that started it dies."""
import os
import signal
import subprocess
import sys
import time

import pytest

from support.sidecar import Sidecar

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and process checks")


def wait_for_exit(proc, seconds):
    """The exit code of PROC, or None if it is still running after SECONDS."""
    try:
        return proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        return None


def test_sigterm_stops_cleanly(tmp_path):
    server = Sidecar(tmp_path).start()
    try:
        server.proc.send_signal(signal.SIGTERM)
        assert wait_for_exit(server.proc, 15) == 0
    finally:
        server.stop()


def test_sidecar_stops_when_its_parent_process_is_gone(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    server = Sidecar(tmp_path, args=["--parent-pid", str(parent.pid)]).start()
    try:
        time.sleep(1.5)
        assert server.proc.poll() is None, "the sidecar must keep running while its parent lives"
        parent.kill()
        parent.wait()
        assert wait_for_exit(server.proc, 15) == 0
        assert "parent process %d is gone" % parent.pid in server.read_log()
    finally:
        parent.kill()
        server.stop()


def test_port_zero_picks_a_free_port_and_prints_it(tmp_path):
    """`-p 0`: the sidecar binds a free port, prints it, and answers there (Host and Origin rules use that port)."""
    import re

    import requests

    from support.paths import APP

    proc = subprocess.Popen([sys.executable, APP, "--host", "127.0.0.1", "-p", "0", "--data-dir", str(tmp_path / "d")],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        port = int(re.search(r"serving on http://127\.0\.0\.1:(\d+)", line).group(1))
        assert port != 0
        own_origin = {"Origin": "http://127.0.0.1:%d" % port}
        assert requests.get("http://127.0.0.1:%d/regions" % port, headers=own_origin, timeout=30).status_code == 200
    finally:
        proc.terminate()
        assert wait_for_exit(proc, 15) == 0
        proc.stdout.close()
