"""Configuration defaults, read from the environment and the data directory."""
import json
import os
import sys

APP_DIR_NAME = "BulkMessaging"
# 50 MB covers a 1M-row CSV (~40 MB) while refusing accidental multi-GB drops.
DEFAULT_MAX_UPLOAD_MB = 50
FALLBACK_REGION = "US"


def user_data_dir():
    """The per-user application data directory of this platform."""
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or os.path.expanduser("~\\AppData\\Roaming")
    elif sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Application Support")
    else:
        base = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return os.path.join(base, APP_DIR_NAME)


def read_settings_file(data_dir):
    """Settings saved by the user in the data directory, or {}."""
    try:
        with open(os.path.join(data_dir, "settings.json"), encoding="utf-8") as f:
            value = json.load(f)
        return value if isinstance(value, dict) else {}
    except (OSError, ValueError):
        return {}


def defaults():
    """The config mapping the app starts from."""
    data_dir = os.environ.get("BULKMSG_DATA_DIR") or user_data_dir()
    saved = read_settings_file(data_dir)
    region = os.environ.get("BULKMSG_DEFAULT_REGION") or saved.get("default_region") or FALLBACK_REGION
    max_mb = float(os.environ.get("BULKMSG_MAX_UPLOAD_MB") or DEFAULT_MAX_UPLOAD_MB)
    return {
        "DATA_DIR": data_dir,
        "DEFAULT_REGION": str(region).upper(),
        "MAX_CONTENT_LENGTH": int(max_mb * 1024 * 1024),
        "PORT": int(os.environ.get("BULKMSG_PORT") or 5034),
        "DEV_ORIGINS": [o for o in os.environ.get("BULKMSG_DEV_ORIGINS", "").split(",") if o],
        # Access rules (sidecar/access.py, sidecar/ratelimit.py): the address served, extra Host names, limits.
        "BIND_HOST": os.environ.get("BULKMSG_HOST", "0.0.0.0"),
        "EXTRA_HOSTS": [h for h in os.environ.get("BULKMSG_ALLOWED_HOSTS", "").split(",") if h],
        "RATE_LIMITS": os.environ.get("BULKMSG_RATE_LIMITS", ""),
        "MAX_FORM_PARTS": 32,
        "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
        # Longest life of one campaign progress stream (SSE); tests and fuzzers shorten it.
        "SSE_MAX_SECONDS": float(os.environ.get("BULKMSG_SSE_MAX_SECONDS") or 300),
    }
