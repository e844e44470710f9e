"""The sidecar's web layer: an app factory and one blueprint per area.

Blueprints are imported inside create_app so that `sidecar.settings` stays cheap to import for the command-line
tools (importing a submodule runs this file first).
"""
import collections.abc
import os

# The data directory holds contacts and messages: owner-only (umask and checks of existing files: app.py).
DATA_DIR_MODE = 0o700

VERSION = "0.1.0"


def settings_for(config):
    """A Settings from CONFIG: a Settings as it is, None -> the process's own, a mapping -> test overrides."""
    from . import settings

    if isinstance(config, settings.Settings):
        return config, {}
    if config is None:
        return settings.build(), {}
    if not isinstance(config, collections.abc.Mapping):
        raise TypeError("create_app takes a Settings or a mapping of config overrides")
    data_dir = config.get("DATA_DIR") or settings.user_data_dir()
    return settings.for_tests(data_dir), dict(config)


def create_app(config=None):
    """The Flask app for a Settings (or, for in-process tests, a mapping of app.config overrides)."""
    from flask import Flask

    from . import errors, imports_store, security
    from .blueprints import access_api, attachments_api, campaigns_api, channels_api, contacts_api, health, imports_api
    from .blueprints import inbox_api, lists_api, messaging_web, openapi_api, templates_api, ui, webhooks_api
    from .blueprints import whatsapp_web_api

    chosen, overrides = settings_for(config)
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(chosen.app_config())
    app.config.from_mapping(overrides)
    app.config["VERSION"] = VERSION
    app.extensions["settings"] = chosen
    os.makedirs(app.config["DATA_DIR"], mode=DATA_DIR_MODE, exist_ok=True)
    if app.config.get("DATABASE_URL"):  # team mode: every store of this process is that PostgreSQL database
        from messaging import db

        db.configure(app.config["DATABASE_URL"])
    errors.init_app(app)
    security.init_app(app)
    imports_store.init_app(app)
    for blueprint in (health.bp, contacts_api.bp, imports_api.bp, ui.bp,
                      lists_api.bp, templates_api.bp, channels_api.bp, campaigns_api.bp, whatsapp_web_api.bp,
                      attachments_api.bp, inbox_api.bp, webhooks_api.bp):
        app.register_blueprint(blueprint)
    for blueprint in (access_api.bp, openapi_api.bp):
        app.register_blueprint(blueprint)
    messaging_web.init_app(app)
    return app

