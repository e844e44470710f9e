"""The one sidecar harness (support/sidecar.py) does what every other test relies on."""
import os
import socket

import pytest
import requests

from support.sidecar import Sidecar


def test_a_port_taken_before_the_sidecar_binds_it_is_replaced_by_a_free_one(tmp_path):
    """Another process grabbing the chosen port between choice and bind costs a retry, not a failed test."""
    server = Sidecar(tmp_path)
    taken = server.port
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", taken))
        squatter.listen()
        try:
            server.start()
            assert server.port != taken and server.url.endswith(":%d" % server.port)
            assert server.get("/health").status_code == 200
            assert "Address already in use" in server.read_log()
        finally:
            server.stop()


def test_kill_is_a_crash_and_start_again_serves_the_same_data(tmp_path):
    """kill -9 leaves a dead process (assert_alive says so, with the log); a restart finds the data again."""
    server = Sidecar(tmp_path).start()
    try:
        server.assert_alive()
        made = server.post("/lists", {"name": "kept", "contacts": [{"number": "+14155552671"}]})
        assert made.status_code == 201, made.text
        pid = server.proc.pid
        server.kill()
        assert server.proc.returncode == -9
        with pytest.raises(AssertionError, match="not running"):
            server.assert_alive()
        with pytest.raises(requests.ConnectionError):
            requests.get(server.url + "/health", timeout=2)
        server.start()
        assert server.proc.pid != pid
        assert [entry["name"] for entry in server.get("/lists").json()["lists"]] == ["kept"]
    finally:
        server.stop()
    assert server.proc.returncode == 0, server.read_log()


def test_leftover_temp_files_sees_what_is_left_in_the_private_temp_dir(tmp_path):
    """The sidecar's TMPDIR is the harness's own folder, so a leftover there is the sidecar's."""
    server = Sidecar(tmp_path)
    assert server.env["TMPDIR"] == server.temp_dir and server.leftover_temp_files() == []
    with open(os.path.join(server.temp_dir, "upload-123.part"), "w") as f:
        f.write("x")
    assert server.leftover_temp_files() == [os.path.join(server.temp_dir, "upload-123.part")]


def test_a_sidecar_that_cannot_start_fails_with_its_output(tmp_path):
    """A start that exits early raises at once, carrying what the process printed."""
    server = Sidecar(tmp_path, args=["--port-typo"])
    with pytest.raises(AssertionError, match="exited early") as failure:
        server.start(timeout=30)
    assert "--port-typo" in str(failure.value)
