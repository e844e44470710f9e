"""Liveness: the desktop app polls this until the sidecar is ready."""
from flask import Blueprint, current_app

from ..jsonio import json_response

bp = Blueprint("health", __name__)

# Lets the desktop app tell its own sidecar from another program holding the port.
SERVICE_NAME = "bulkmsg-sidecar"


@bp.get("/health")
def health():
    """Report that the sidecar is up."""
    return json_response({"status": "healthy", "version": current_app.config["VERSION"], "service": SERVICE_NAME})
