"""Rate limits bound to the views (issue 10) and on every endpoint that parses or stores user data (issue 12)."""
import pytest

from sidecar import create_app, settings
from sidecar.ratelimit import DEFAULT_LIMITS, RateLimiter, group_of, limited
from support.sidecar import Sidecar

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
# Stopping a campaign must always work, even for a client over its budget; the session exchange only sets or
# clears a cookie and stores nothing of the user's.
# Stopping sends, and ending a session (logging out is always allowed), must never be refused.
NEVER_LIMITED = {"campaigns.pause_campaign", "campaigns.cancel_campaign", "access.open_session",
                 "access.close_session", "auth.logout"}
PASTE = "\n".join("+1 415 555 %04d" % i for i in range(2000))


def limited_app(tmp_path, rate_limits):
    """The in-process app with RATE_LIMITS."""
    return create_app(settings.for_tests(str(tmp_path), rate_limits=rate_limits))


def test_a_renamed_view_keeps_its_limit(tmp_path):
    """The limit travels with the view function: registered under any endpoint name or URL, it is limited."""
    app = limited_app(tmp_path, "upload=2/60")

    @limited("upload")
    def renamed_upload():
        """A view under a name and URL the limiter never heard of."""
        return "ok"

    app.add_url_rule("/some/new/path", endpoint="brand_new_area.renamed_upload", view_func=renamed_upload,
                     methods=["POST"])
    client = app.test_client()
    codes = [client.post("/some/new/path").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_views_share_a_budget_by_group_not_by_name(tmp_path):
    """Two differently named views in the same group spend from one bucket per client."""
    app = limited_app(tmp_path, "edits=3/60")
    for name in ("first", "second"):
        app.add_url_rule("/" + name, endpoint=name, view_func=limited("edits")(lambda: "ok"), methods=["POST"])
    client = app.test_client()
    codes = [client.post(path).status_code for path in ("/first", "/second", "/first", "/second")]
    assert codes == [200, 200, 200, 429]
    other_client = app.test_client()
    assert other_client.post("/first", environ_base={"REMOTE_ADDR": "127.0.0.2"}).status_code == 200  # per client


def test_an_unknown_group_is_refused_when_the_view_is_defined():
    """A typo in a group name fails at import time, not silently at request time."""
    with pytest.raises(ValueError):
        limited("uplaod")


def test_every_endpoint_that_parses_or_stores_user_data_is_limited(tmp_path):
    """Every POST/PUT/PATCH/DELETE view carries a limit, except the few that must never be refused."""
    app = limited_app(tmp_path, "")
    unlimited = sorted(rule.endpoint for rule in app.url_map.iter_rules()
                       if rule.methods & MUTATING and rule.endpoint not in NEVER_LIMITED
                       and group_of(app.view_functions[rule.endpoint]) not in DEFAULT_LIMITS)
    assert unlimited == []
    expected = {"lists.create_list": "lists", "lists.merge_lists": "lists", "lists.edit_contact": "edits",
                "lists.dnc_add": "edits", "templates.create_template": "edits", "channels.create_channel": "edits",
                "campaigns.create_campaign": "edits", "contacts.upload": "upload"}
    assert {name: group_of(app.view_functions[name]) for name in expected} == expected


def test_pasting_numbers_into_post_lists_is_limited_per_client(tmp_path):
    """Issue 12 #5: POST /lists with pasted numbers is limited on the real process (it was not)."""
    server = Sidecar(tmp_path, env={"BULKMSG_RATE_LIMITS": "lists=3/60"}).start()
    try:
        answers = [server.post("/lists", json={"name": "l%d" % i, "numbers": PASTE, "default_region": "US"})
                   for i in range(4)]
        assert [a.status_code for a in answers] == [201, 201, 201, 429]
        assert answers[-1].json()["code"] == "rate_limited" and int(answers[-1].headers["Retry-After"]) >= 1
        assert len(server.get("/lists").json()["lists"]) == 3  # the refused paste stored nothing
    finally:
        server.stop()


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_flood_gets_at_most_the_budget_in_any_period():
    """120 per 60 s means 120 in any minute: a client sending 4 a second is refused from its 121st request until
    the first leaves the window (a token bucket refilling at 2/s let ~240 through in the first minute)."""
    clock = FakeClock()
    limiter = RateLimiter({"lists": (120, 60.0)}, clock)
    allowed = []
    for i in range(240):  # 60 s at 4 a second
        clock.now = 1000.0 + i * 0.25
        if limiter.take("10.0.0.9", "lists") == 0:
            allowed.append(clock.now)
    assert len(allowed) == 120 and allowed[-1] == 1000.0 + 119 * 0.25
    clock.now = 1059.75
    assert limiter.take("10.0.0.9", "lists") == pytest.approx(0.25)  # until the first request is 60 s old
    assert limiter.take("10.0.0.8", "lists") == 0  # per client
    clock.now = 1060.0
    assert limiter.take("10.0.0.9", "lists") == 0


def test_refused_requests_do_not_count_against_the_window():
    """A client that keeps knocking while refused gets in as soon as its oldest allowed request is a period old."""
    clock = FakeClock()
    limiter = RateLimiter({"login": (2, 10.0)}, clock)
    assert [limiter.take("a", "login") for _ in range(2)] == [0, 0]
    for second in range(1, 10):
        clock.now = 1000.0 + second
        assert limiter.take("a", "login") == pytest.approx(10.0 - second)
    clock.now = 1010.0
    assert limiter.take("a", "login") == 0
    assert limiter.take("a", "login") == 0  # the second one from 1000.0 left the window too
    assert limiter.take("a", "login") == pytest.approx(10.0)
