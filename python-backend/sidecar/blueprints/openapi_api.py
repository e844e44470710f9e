"""GET /openapi.json: the API's machine-readable description, merged from each area's part file."""
from flask import Blueprint

from ..jsonio import json_response
from ..openapi import openapi_document

bp = Blueprint("openapi", __name__)


@bp.get("/openapi.json")
def openapi_json():
    """The merged OpenAPI description."""
    return json_response(openapi_document())
