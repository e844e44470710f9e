"""Liveness: the desktop app polls this until the sidecar is ready."""
from flask import Blueprint, current_app

from ..jsonio import json_response

bp = Blueprint("health", __name__)

# Lets the desktop app tell its own sidecar from another program holding the port.
SERVICE_NAME = "bulkmsg-sidecar"


@bp.get("/health")
def health():
    """Report that the sidecar is up, and whether its data folder can be written (a full or read-only disk shows here, and in the UI as a banner)."""
    storage = current_app.extensions.get("storage")
    state = storage.as_dict() if storage is not None else {"state": "ok", "message": None}
    return json_response({"status": "healthy", "version": current_app.config["VERSION"], "service": SERVICE_NAME,
                          "storage": state})
