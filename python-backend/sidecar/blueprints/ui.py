"""The built React UI, served by the sidecar so the app talks to the API same-origin (no CORS needed)."""
import functools
import json
import os
import sys

from flask import Blueprint, current_app, send_from_directory
from werkzeug.routing import BaseConverter

from core import errors
from core.errors import DomainError

bp = Blueprint("ui", __name__)


class FileNameConverter(BaseConverter):
    """A top-level file name with an extension ('favicon.svg'), so API paths like /upload never match it."""

    regex = r"[A-Za-z0-9_-]+\.[A-Za-z0-9]+"


@bp.record_once
def register_converter(state):
    """Let the blueprint's routes use <file:name>."""
    state.app.url_map.converters["file"] = FileNameConverter

# The one Content-Security-Policy of the app: these pages and the Electron window both serve it.
# It includes frame-ancestors, which browsers only honour as a header.
# Resolved as text: a frozen bundle has no sidecar/blueprints/ folder for the OS to walk through with "..".
CSP_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "csp.json")
REPO_UI_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "..", "electron", "dist", "renderer")


@functools.lru_cache(maxsize=1)
def content_security_policy():
    """The policy of sidecar/csp.json: its directives joined by '; '."""
    with open(CSP_FILE, encoding="utf-8") as f:
        return "; ".join(json.load(f)["directives"])


def ui_dir():
    """Where the built UI is: the UI_DIR setting (BULKMSG_UI_DIR), else bundled in the frozen sidecar, else the
    repo's build."""
    configured = current_app.config.get("UI_DIR")
    if configured:
        return configured
    if getattr(sys, "frozen", False):
        return os.path.join(getattr(sys, "_MEIPASS", os.path.dirname(sys.executable)), "ui")
    return os.path.abspath(REPO_UI_DIR)


def send_ui_file(name):
    """A file of the built UI, or a clear error when the UI has not been built."""
    directory = ui_dir()
    if not os.path.isfile(os.path.join(directory, "index.html")):
        raise DomainError("ui_not_built", "The UI has not been built: run `npm run build` in electron/.",
                          errors.NOT_FOUND)
    response = send_from_directory(directory, name, max_age=0 if name == "index.html" else 3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = content_security_policy()
    return response


@bp.get("/")
def index():
    """The app's page."""
    return send_ui_file("index.html")


@bp.get("/assets/<path:name>")
def asset(name):
    """Scripts, styles and images of the built UI."""
    return send_ui_file(os.path.join("assets", name))


@bp.get("/<file:name>")
def top_level_file(name):
    """Top-level files of the build (favicon, icons)."""
    return send_ui_file(name)
