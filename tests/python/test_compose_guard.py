"""Compose guards over HTTP (issue 15): unknown placeholders and empty email subjects refused, warnings that name
recipients by the channel's address, reach before creating, the review before Start, drafts kept across restarts."""
import pytest

from support.sidecar import Sidecar

CONTACTS = [
    {"name": "Asha Rao", "email": "asha@example.org", "number": "+14155550101", "fields": {"City": "Pune"}},
    {"name": "Ben Ode", "email": "ben@example.org", "number": "+14155550102", "fields": {"City": ""}},
    {"name": "Cai Lin", "number": "+14155550103", "fields": {"City": "Oslo"}},           # no email
    {"name": "Dee Mot", "email": "dee@example.org", "number": "+14155550104", "fields": {"City": "Rome"}},
    {"name": "Eve Ray", "email": "eve@example.org", "number": "+14155550105", "fields": {"City": ""}},
]


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """A real sidecar with a list (with a City column), an email (SMTP) and a number (dry-run) channel."""
    home = tmp_path_factory.mktemp("compose-guard")
    server = Sidecar(home, env={"BULKMSG_CONFIG_DIR": str(home / "config")}).start()
    made = server.post("/lists", json={"name": "guard", "contacts": CONTACTS})
    smtp = server.post("/channels", json={"name": "mail", "type": "smtp", "config": {
        "host": "127.0.0.1", "port": 9, "security": "none", "from_address": "team@example.org"}})
    dry = server.post("/channels", json={"name": "dry", "type": "dry_run"})
    assert (made.status_code, smtp.status_code, dry.status_code) == (201, 201, 201)
    server.ids = {"list": made.json()["list"]["id"], "smtp": smtp.json()["id"], "dry": dry.json()["id"]}
    yield server
    server.stop()


def campaign(api, channel="smtp", **fields):
    """POST /campaigns on the fixture's list and CHANNEL with FIELDS."""
    body = dict({"name": "c", "list_id": api.ids["list"], "channel_id": api.ids[channel], "subject": "Hello",
                 "body": "Hi {{name}}"}, **fields)
    return api.post("/campaigns", json=body)


def count_campaigns(api):
    """How many campaigns exist."""
    return len(api.get("/campaigns").json()["campaigns"])


def test_a_misspelled_placeholder_is_refused_with_the_columns_and_a_did_you_mean(api):
    before = count_campaigns(api)
    answer = campaign(api, body="Hello {{name|there}} from {{Citty}}")
    assert answer.status_code == 400, answer.text
    error = answer.json()
    assert error["code"] == "unknown_placeholder"
    assert error["unknown"] == ["Citty"] and error["suggestions"] == {"Citty": "City"}
    assert error["columns"] == ["City"] and "name" in error["builtins"]
    assert "did you mean {{City}}" in error["error"]
    assert count_campaigns(api) == before


@pytest.mark.parametrize("where", ["subject", "template_params"])
def test_unknown_placeholders_are_refused_in_the_subject_and_template_parameters_too(api, where):
    fields = {"subject": "Hi {{Nmae}}"} if where == "subject" else \
        {"options": {"template_params": ["{{Cty}}"]}}
    answer = campaign(api, "dry" if where != "subject" else "smtp", **fields)
    assert answer.status_code == 400 and answer.json()["code"] == "unknown_placeholder"


def test_built_ins_and_columns_match_whatever_their_case(api):
    answer = campaign(api, subject="For {{First Name}}", body="{{EMAIL}} {{phone}} {{last_name}} {{city}}")
    assert answer.status_code == 201, answer.text


def test_the_compose_preview_refuses_an_unknown_placeholder_for_a_list(api):
    answer = api.post("/compose/preview", json={"list_id": api.ids["list"], "body": "Hi {{Citty}}"})
    assert answer.status_code == 400 and answer.json()["code"] == "unknown_placeholder"
    # without a list there are no columns to check against
    assert api.post("/compose/preview", json={"body": "Hi {{Citty}}"}).status_code == 200


def test_the_compose_preview_checks_and_renders_whatsapp_template_parameters(api):
    preview = api.post("/compose/preview", json={"list_id": api.ids["list"], "channel_id": api.ids["dry"],
                                                 "body": "Hi", "template_params": ["{{name}}", "{{City|town}}"]})
    assert preview.status_code == 200, preview.text
    assert preview.json()["preview"]["template_params"] == ["Asha Rao", "Pune"]
    assert "City" in preview.json()["placeholders"]
    refused = api.post("/compose/preview", json={"list_id": api.ids["list"], "body": "Hi", "template_params": ["{{Cty}}"]})
    assert refused.status_code == 400 and refused.json()["suggestions"] == {"Cty": "City"}
    assert api.post("/compose/preview", json={"body": "Hi", "template_params": "x"}).json()["code"] == "bad_param"


@pytest.mark.parametrize("subject", ["", "   "])
def test_an_email_campaign_needs_a_subject(api, subject):
    before = count_campaigns(api)
    answer = campaign(api, subject=subject)
    assert answer.status_code == 400 and answer.json()["code"] == "subject_required"
    assert count_campaigns(api) == before
    preview = api.post("/compose/preview", json={"list_id": api.ids["list"], "channel_id": api.ids["smtp"],
                                                 "subject": subject, "body": "Hi"})
    assert preview.status_code == 400 and preview.json()["code"] == "subject_required"


def test_a_number_channel_needs_no_subject_and_a_subject_may_hold_placeholders(api):
    assert campaign(api, "dry", subject="").status_code == 201
    assert campaign(api, subject="{{name|Friend}}, news").status_code == 201


def test_empty_placeholder_warnings_name_recipients_by_the_channels_address(api):
    answer = api.post("/compose/preview", json={"list_id": api.ids["list"], "channel_id": api.ids["smtp"],
                                                "subject": "Hi", "body": "News from {{City}}"})
    assert answer.status_code == 200, answer.text
    warnings = answer.json()["warnings"]
    named = {(w["name"], w["address"]) for w in warnings["examples"]}
    # Ben and Eve have no City; Cai has none either way but no email: an email campaign skips him
    assert named == {("Ben Ode", "ben@example.org"), ("Eve Ray", "eve@example.org")}
    assert warnings["recipients_with_empty"] == 2


def test_reach_counts_what_the_campaign_will_snapshot(api):
    list_id = new_list(api, "reach")
    assert api.post("/do-not-contact", json={"values": ["reach-dee@example.org"]}).status_code in (200, 201)
    reach = api.post("/compose/reach", json={"list_id": list_id, "channel_id": api.ids["smtp"]}).json()
    # (a saved list already merges repeated addresses, so its duplicates count is 0 here)
    assert reach == {"contacts": 5, "with_address": 4, "no_address": 1, "do_not_contact": 1, "duplicates": 0,
                     "will_send": 3, "address": "email"}
    created = campaign(api, list_id=list_id).json()
    snap = created["snapshot"]
    assert (snap["added"], snap["no_address"], snap["do_not_contact"], snap["duplicates"]) == (3, 1, 1, 0)
    by_number = api.post("/compose/reach", json={"list_id": list_id, "channel_id": api.ids["dry"]}).json()
    # an opted-out person is skipped on every channel, whichever of their addresses was listed
    assert (by_number["address"], by_number["no_address"], by_number["do_not_contact"], by_number["will_send"]) == \
        ("number", 0, 1, 4)


def new_list(api, prefix):
    """A list of CONTACTS with emails prefixed by PREFIX (so lists of different tests do not share addresses)."""
    contacts = [dict(c, email="%s-%s" % (prefix, c["email"])) if c.get("email") else dict(c) for c in CONTACTS]
    made = api.post("/lists", json={"name": prefix, "contacts": contacts})
    assert made.status_code == 201, made.text
    return made.json()["list"]["id"]


def test_the_review_shows_channel_sender_counts_samples_and_the_plan(api):
    made = campaign(api, subject="Hi {{name}}", body="From {{City|your town}} to {{email}}",
                    pacing={"per_minute": 60}, list_id=new_list(api, "review"))
    review = api.get("/campaigns/%d/review" % made.json()["id"])
    assert review.status_code == 200, review.text
    out = review.json()
    assert out["channel"]["name"] == "mail" and out["channel"]["address"] == "email"
    assert out["sender"] == {"setting": "from_address", "value": "team@example.org", "name": None}
    assert out["recipients"]["to_send"] == 4  # Cai has no email address
    assert [s["why"] for s in out["samples"]] == ["first", "random", "most_fallbacks"]
    first, _, most = out["samples"]
    assert first["name"] == "Asha Rao" and first["body"] == "From Pune to review-asha@example.org"
    assert most["name"] == "Ben Ode" and most["fallbacks"] == 1 and most["body"].startswith("From your town")
    assert out["plan"]["messages"] == 4 and out["plan"]["duration_seconds"] == pytest.approx(3 * 60 / 60, abs=0.5)
    assert api.get("/campaigns/999999/review").status_code == 404


def test_the_compose_draft_is_kept_across_a_restart(tmp_path):
    server = Sidecar(tmp_path, env={"BULKMSG_CONFIG_DIR": str(tmp_path / "config")}).start()
    try:
        assert server.get("/drafts/compose").json()["data"] is None
        form = {"name": "Spring", "body": "Hi {{name}}", "list_id": 3, "pacing": {"per_minute": 30}}
        assert server.put("/drafts/compose", json={"data": form}).status_code == 200
        server.stop()
        server.start()
        assert server.get("/drafts/compose").json()["data"] == form
        assert server.put("/drafts/compose", json={"data": "x"}).json()["code"] == "bad_param"
        assert server.delete("/drafts/compose").status_code == 200
        assert server.get("/drafts/compose").json()["data"] is None
    finally:
        server.stop()


def test_the_built_in_placeholder_names_are_shared_with_the_ui():
    from messaging import render
    from sidecar.settings import public_constants

    assert public_constants()["placeholder_builtins"] == list(render.BUILTINS)


def test_the_compose_preview_reflects_a_contact_edited_since_the_last_preview(api):
    list_id = new_list(api, "edited")
    check = {"list_id": list_id, "body": "News from {{City}}"}
    before = api.post("/compose/preview", json=check).json()["warnings"]
    ben = api.get("/lists/%d/contacts?q=Ben" % list_id).json()["contacts"][0]
    assert any(w["contact_id"] == ben["id"] for w in before["examples"])
    edited = api.patch("/lists/%d/contacts/%d" % (list_id, ben["id"]), json={"fields": {"City": "Jos"}})
    assert edited.status_code == 200, edited.text
    after = api.post("/compose/preview", json=dict(check, contact_id=ben["id"])).json()
    assert after["warnings"]["recipients_with_empty"] == before["recipients_with_empty"] - 1
    assert all(w["contact_id"] != ben["id"] for w in after["warnings"]["examples"])
    assert after["preview"]["body"] == "News from Jos"
    missing = api.post("/compose/preview", json=dict(check, contact_id=ben["id"] + 10_000))
    assert missing.status_code == 404
