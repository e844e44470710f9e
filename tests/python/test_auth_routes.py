"""The route table of the access layer (sidecar/auth.py ROUTES) covers every route Flask serves, and nothing else:
a new route without a declared least role fails here instead of silently becoming admin-only or open."""
from sidecar import auth


def test_every_route_declares_its_least_role(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(endpoints - set(auth.ROUTES)) == [], "routes without a rule in sidecar/auth.py ROUTES"
    assert sorted(set(auth.ROUTES) - endpoints) == [], "rules in ROUTES for routes that no longer exist"


def test_roles_follow_the_issue(app):
    methods = {rule.endpoint: rule.methods - {"HEAD", "OPTIONS"} for rule in app.url_map.iter_rules()}
    for endpoint, role in auth.ROUTES.items():
        assert role in (auth.PUBLIC, auth.VIEWER, auth.SENDER, auth.ADMIN), endpoint
        area = endpoint.split(".")[0]
        if area in ("channels", "users", "access") and endpoint not in ("channels.all_channels",
                                                                       "channels.one_channel",
                                                                       "access.open_session",
                                                                       "access.close_session"):
            assert role == auth.ADMIN, endpoint
        if area in ("lists", "imports", "templates", "campaigns") and methods[endpoint] & {"PUT", "PATCH", "DELETE"}:
            assert role in (auth.SENDER, auth.ADMIN), endpoint
    public = {e for e, role in auth.ROUTES.items() if role == auth.PUBLIC}
    assert public == {"health.health", "ui.index", "ui.asset", "ui.top_level_file", "auth.session", "auth.login",
                      "webhooks.twilio_event", "webhooks.whatsapp_event", "webhooks.whatsapp_verify"}


def test_the_users_command_adds_lists_and_disables(tmp_path):
    import subprocess
    import sys

    from support.paths import APP

    def users(*args, password=""):
        """Run `app.py users ...` on this test's data directory."""
        return subprocess.run([sys.executable, APP, "users", "--data-dir", str(tmp_path), *args], input=password,
                              capture_output=True, text=True, timeout=60)
    assert users("add", "ada", "--role", "admin", password="long enough password\n").stdout == "added ada (admin)\n"
    assert users("add", "ada", "--role", "viewer", password="long enough password\n").returncode == 2
    assert users("add", "bob", "--role", "viewer", password="short\n").returncode == 2
    assert users("disable", "ada").returncode == 2  # the only admin: nobody could manage users any more
    assert users("add", "bob", "--role", "admin", password="another long password\n").returncode == 0
    assert users("disable", "ada").stdout == "disabled ada\n"
    assert users("list").stdout == "ada\tadmin\tdisabled\nbob\tadmin\n"
    assert users("disable", "nobody").returncode == 2
