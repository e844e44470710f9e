"""The sidecar's web layer: an app factory and one blueprint per area."""
import os

from flask import Flask

from . import errors, imports_store, security, settings
from .blueprints import access_api, openapi_api
from .blueprints import contacts_api, health, imports_api, ui
from .blueprints import campaigns_api, channels_api, lists_api, messaging_web, templates_api

VERSION = "0.1.0"


def create_app(test_config=None):
    """Build the Flask app from defaults, the environment, then `test_config`."""
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(settings.defaults())
    if test_config:
        app.config.from_mapping(test_config)
    os.makedirs(app.config["DATA_DIR"], exist_ok=True)
    app.config["VERSION"] = VERSION
    errors.init_app(app)
    security.init_app(app)
    imports_store.init_app(app)
    for blueprint in (health.bp, contacts_api.bp, imports_api.bp, ui.bp,
                      lists_api.bp, templates_api.bp, channels_api.bp, campaigns_api.bp):
        app.register_blueprint(blueprint)
    for blueprint in (access_api.bp, openapi_api.bp):
        app.register_blueprint(blueprint)
    messaging_web.init_app(app)
    return app
