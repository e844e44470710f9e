"""Variations, {{spin: a | b}}: one option per recipient, stable on a retry, kept in the ledger; never confused with
{{name|fallback}} or literal braces; refused when malformed."""
import pytest
from core.errors import DomainError
from messaging import render


def test_options_split_on_unescaped_bars_with_escapes_resolved():
    assert render.spin_options(r" Hi | Hello \| there | Hey\} ") == ["Hi", "Hello | there", "Hey}"]
    assert render.spin_options(r"a\\|b") == ["a\\", "b"]  # an escaped backslash, then a real bar


def test_one_recipient_always_gets_the_same_option_and_recipients_get_all_of_them():
    text = "{{spin: Hi | Hello | Hey}} {{name|friend}}"
    drawn = {render.render(text, {"name": "Ann"}, "7:+1555000%04d" % i) for i in range(60)}
    assert drawn == {"Hi Ann", "Hello Ann", "Hey Ann"}
    assert len({render.render(text, {}, "7:+15550001111") for _ in range(5)}) == 1


def test_variations_are_not_placeholders_and_literal_braces_stay():
    text = "{{spin: Hi | Hello}} {{Citty}}, {not a placeholder} {{name|there}}"
    assert render.placeholder_names(text) == ["Citty", "name"]
    with pytest.raises(DomainError) as err:
        render.check_known(text, ["City"])
    assert err.value.code == "unknown_placeholder" and err.value.details["unknown"] == ["Citty"]
    assert render.render("{x} {{spin: a | a}}", {}, 1) == "{x} a"


@pytest.mark.parametrize("text", ["{{spin: only one}}", "{{spin: a | b}", "{{spin:}}"])
def test_malformed_variations_are_refused(text):
    with pytest.raises(DomainError) as err:
        render.check_syntax(text)
    assert err.value.code == "bad_template"


def test_the_text_sent_is_kept_in_the_ledger_and_matches_the_dry_run(fresh_sidecar, tmp_path):
    api = fresh_sidecar.start()
    contacts = [{"number": "+1415555%04d" % i, "name": "R%d" % i} for i in range(12)]
    list_id = api.post("/lists", {"name": "spin", "contacts": contacts}).json()["list"]["id"]
    channel_id = api.post("/channels", {"name": "dry", "type": "dry_run", "config": {}}).json()["id"]
    campaign = api.post("/campaigns", {"name": "spin", "list_id": list_id, "channel_id": channel_id,
                                       "body": "{{spin: Hi | Hello | Hey}} {{name}}",
                                       "pacing": {"per_minute": 100000}}).json()
    api.post("/campaigns/%d/start" % campaign["id"])
    from support.sidecar import wait_for
    wait_for(lambda: api.get("/campaigns/%d" % campaign["id"]).json()["status"] == "completed", timeout=30)
    rows = api.get("/campaigns/%d/recipients?limit=100" % campaign["id"]).json()["recipients"]
    bodies = {r["address"]: r["body"] for r in rows}
    assert all(b.split(" ")[0] in ("Hi", "Hello", "Hey") and b.endswith(" R%d" % int(a[-4:])) for a, b in bodies.items())
    assert len({b.split(" ")[0] for b in bodies.values()}) > 1
