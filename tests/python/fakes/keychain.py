"""A real Secret Service for tests: a private D-Bus session bus with GNOME Keyring, unlocked.

Used when the test run has no keychain of its own (headless CI); needs the Debian packages dbus and
gnome-keyring. Sidecar processes started afterwards inherit DBUS_SESSION_BUS_ADDRESS and use it.
"""
import os
import shutil
import signal
import subprocess
import tempfile

KEYRING_PASSWORD = b"test-keyring-password"


def keychain_works():
    """True when keyring has a usable backend right now."""
    code = ("import keyring,sys; from keyring.backends import fail; k=keyring.get_keyring();"
            "sys.exit(1 if isinstance(k, fail.Keyring) or k.priority <= 0 else 0)")
    result = subprocess.run([os_python(), "-c", code], capture_output=True, timeout=30)
    return result.returncode == 0


def os_python():
    """The venv's interpreter (the same one the sidecar runs on)."""
    import sys
    return sys.executable


class PrivateKeychain:
    """Starts dbus-daemon + gnome-keyring-daemon for this process and its children; restores env on exit."""

    def __init__(self):
        self.home = tempfile.mkdtemp(prefix="keychain-")
        self.saved = {}
        self.pids = []

    def start(self):
        """Launch the bus and the keyring, and point this process's environment at them."""
        if not shutil.which("dbus-daemon") or not shutil.which("gnome-keyring-daemon"):
            raise RuntimeError("install the Debian packages dbus and gnome-keyring to run these tests")
        out = subprocess.run(["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
                             capture_output=True, check=True, timeout=30).stdout.decode().split()
        address, bus_pid = out[0], int(out[1])
        self.pids.append(bus_pid)
        self.set_env("DBUS_SESSION_BUS_ADDRESS", address)
        self.set_env("XDG_DATA_HOME", os.path.join(self.home, "data"))
        self.set_env("XDG_RUNTIME_DIR", self.home)
        daemon = subprocess.run(["gnome-keyring-daemon", "--unlock", "--components=secrets", "--daemonize"],
                                input=KEYRING_PASSWORD, capture_output=True, timeout=30, env=os.environ)
        for line in daemon.stdout.decode().splitlines():
            if line.startswith("GNOME_KEYRING_CONTROL="):
                self.set_env("GNOME_KEYRING_CONTROL", line.split("=", 1)[1])
        self.pids.extend(self.keyring_pids())
        return self

    def keyring_pids(self):
        """PIDs of the gnome-keyring-daemon attached to our bus (found via its environment)."""
        pids = []
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % name, "rb") as f:
                    cmd = f.read()
                with open("/proc/%s/environ" % name, "rb") as f:
                    env = f.read()
            except OSError:
                continue
            if b"gnome-keyring-daemon" in cmd and os.environ["DBUS_SESSION_BUS_ADDRESS"].encode() in env:
                pids.append(int(name))
        return pids

    def set_env(self, name, value):
        """Set an environment variable, remembering the old value."""
        self.saved.setdefault(name, os.environ.get(name))
        os.environ[name] = value

    def stop(self):
        """Stop what start() launched and restore the environment."""
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for name, value in self.saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(self.home, ignore_errors=True)


def ensure_keychain():
    """A usable keychain for this process and its children: the existing one, or a private one (returned)."""
    if keychain_works():
        return None
    return PrivateKeychain().start()
