"""Issue 18: the compose check counts empty placeholders from per-list shape counts (messaging/list_stats.py). Over
HTTP on a real sidecar, after every kind of list change the preview's warnings and field names equal a recount
done here from GET of the list's contacts; a seeded random sequence of changes keeps the stored counts equal to a
recount from the SQLite file; the 0008 migration backfills lists saved under 0007."""
import os
import random
import sqlite3

import pytest
from messaging import db, list_stats, lists, migrations, render

from support.sidecar import Sidecar

BODY = "Hi {{first_name}} {{last_name}}, {{City}} / {{city}} {{Zip}} {{email}} {{first_name}} {{name|friend}}"
LIMITS = "lists=100000/60,edits=100000/60"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """A real sidecar with rate limits lifted (the random sequence makes hundreds of edits)."""
    home = tmp_path_factory.mktemp("list-stats")
    server = Sidecar(home, env={"BULKMSG_CONFIG_DIR": str(home / "config"), "BULKMSG_RATE_LIMITS": LIMITS}).start()
    yield server
    server.stop()


def contacts_of(api, list_id):
    """Every contact of LIST_ID through GET, in id order."""
    found, offset = [], 0
    while True:
        page = api.get("/lists/%d/contacts?offset=%d&limit=1000" % (list_id, offset)).json()
        found += page["contacts"]
        offset += len(page["contacts"])
        if offset >= page["total"]:
            return found


def recount(contacts, body, kind=None, limit=50):
    """What the compose check answered before issue 18: a scan of every contact (the reference)."""
    needed, names = render.unfilled_placeholders(body), {}
    with_empty, per, examples = 0, {}, []
    for c in contacts:
        for key in c["fields"]:
            names.setdefault(key, None)
        if kind is not None and not c[kind]:
            continue
        missing = render.empty_of(needed, c) if needed else []
        with_empty += bool(missing)
        for name in missing:
            per[name] = per.get(name, 0) + 1
        if missing and len(examples) < limit:
            examples.append({"contact_id": c["id"], "name": c["name"], "number": c["number"], "email": c["email"],
                             "address": c[kind] if kind else None, "missing": missing})
    return list(names), {"recipients_with_empty": with_empty, "by_placeholder": per, "examples": examples}


def check(api, list_id, body=BODY):
    """The preview of LIST_ID equals the recount (values and key order)."""
    answer = api.post("/compose/preview", json={"list_id": list_id, "body": body})
    assert answer.status_code == 200, answer.text
    fields, warnings = recount(contacts_of(api, list_id), body)
    got = answer.json()
    assert got["fields"] == fields
    assert got["warnings"] == warnings
    assert list(got["warnings"]["by_placeholder"]) == list(warnings["by_placeholder"])


def person(i, rng=None):
    """A contact with some empty, blank, zero and missing fields."""
    rng = rng or random.Random(i)
    fields = {}
    for key in rng.sample(["City", "city", "Zip", "Note"], rng.randint(0, 4)):
        fields[key] = rng.choice(["", "  ", "Pune", "0", "x y"])
    name = rng.choice(["", "  ", "Asha", "Asha Rao", " Ben  Ode "])
    contact = {"name": name, "number": "+1415555%04d" % i, "fields": fields}
    if rng.random() < 0.6:
        contact["email"] = "p%d@example.org" % i
    return contact


def made(api, name, contacts):
    """POST /lists with CONTACTS; the new list's id."""
    answer = api.post("/lists", json={"name": name, "contacts": contacts})
    assert answer.status_code == 201, answer.text
    return answer.json()["list"]["id"]


BODIES = [BODY, "Hello {{Note}} {{Note}} {{phone}}", "{{spin: Hi | Hello}} {{number}} {{Zip|none}}", "plain"]


@pytest.mark.parametrize("body", BODIES)
def test_every_kind_of_change_keeps_the_preview_equal_to_a_recount(api, body):
    first = made(api, "a", [person(i) for i in range(40)])
    check(api, first, body)
    second = made(api, "b", [person(i) for i in range(30, 70)])  # 30..39 duplicate the first list's numbers
    check(api, second, body)
    added = api.post("/lists/%d/contacts" % first, json={"name": "New One", "number": "+14155559999",
                                                           "fields": {"City": "", "Zip": "1"}})
    assert added.status_code == 201, added.text
    check(api, first, body)
    contacts = contacts_of(api, first)
    for c, fields in [(contacts[0], {"City": "Oslo", "Zip": ""}), (contacts[1], {}), (contacts[2], {"Note": "n"})]:
        answer = api.patch("/lists/%d/contacts/%d" % (first, c["id"]), json={"fields": fields, "name": ""})
        assert answer.status_code == 200, answer.text
        check(api, first, body)
    for c in contacts[:3] + contacts[-2:]:
        assert api.delete("/lists/%d/contacts/%d" % (first, c["id"])).status_code == 200
        check(api, first, body)
    merged = api.post("/lists/merge", json={"name": "m", "list_ids": [first, second]})
    assert merged.status_code == 201, merged.text
    check(api, merged.json()["list"]["id"], body)
    assert api.delete("/lists/%d" % first).status_code == 200
    check(api, merged.json()["list"]["id"], body)
    check(api, second, body)


def stored_counts(path, list_id):
    """(shapes, layouts) of LIST_ID as the SQLite file holds them."""
    conn = sqlite3.connect(path)
    try:
        shapes = dict(conn.execute("SELECT shape, contacts FROM list_shapes WHERE list_id=?", (list_id,)))
        layouts = {r[0]: (r[1], r[2]) for r in conn.execute(
            "SELECT layout, contacts, first_id FROM list_layouts WHERE list_id=?", (list_id,))}
        rows = [tuple(r) for r in conn.execute(
            "SELECT id, name, number, email, fields FROM list_contacts WHERE list_id=? ORDER BY id", (list_id,))]
    finally:
        conn.close()
    return (shapes, layouts), list_stats.tally(rows)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_random_sequence_of_changes_keeps_the_stored_counts_equal_to_a_recount(api, seed):
    rng = random.Random(seed)
    list_id = made(api, "r%d" % seed, [person(1000 * seed + i, rng) for i in range(20)])
    path = os.path.join(api.data_dir, db.DB_FILE_NAME)
    serial = 1000 * seed + 100
    for step in range(60):
        contacts = contacts_of(api, list_id)
        action = rng.choice(["add", "edit", "edit", "delete"]) if contacts else "add"
        if action == "add":
            serial += 1
            assert api.post("/lists/%d/contacts" % list_id, json=person(serial, rng)).status_code == 201
        elif action == "edit":
            c, other = rng.choice(contacts), person(0, rng)
            change = {"fields": other["fields"], "name": other["name"]}
            assert api.patch("/lists/%d/contacts/%d" % (list_id, c["id"]), json=change).status_code == 200
        else:
            assert api.delete("/lists/%d/contacts/%d" % (list_id, rng.choice(contacts)["id"])).status_code == 200
        stored, counted = stored_counts(path, list_id)
        assert stored == counted, "step %d (%s)" % (step, action)
    check(api, list_id)


def test_the_0008_migration_backfills_lists_saved_under_0007(tmp_path):
    path = os.path.join(str(tmp_path), db.DB_FILE_NAME)

    def opener():
        """A connection as the app's migration opens one."""
        return sqlite3.connect(path, isolation_level=None, timeout=30)
    migrations.upgrade(opener, "0007")
    conn = opener()
    stamp = 1.0
    for list_id in (1, 2):
        conn.execute("INSERT INTO lists (id, name, created_at, updated_at) VALUES (?,?,?,?)",
                     (list_id, "l%d" % list_id, stamp, stamp))
        for i in range(25 * list_id):
            c = person(100 * list_id + i)
            conn.execute("INSERT INTO list_contacts (list_id, number, email, name, fields, created_at, updated_at) "
                         "VALUES (?,?,?,?,?,?,?)", (list_id, c["number"], c.get("email"), c["name"],
                                                    list_stats.dumps(c["fields"]), stamp, stamp))
    conn.close()
    assert migrations.upgrade(opener) == ["0008", "0011"]
    for list_id in (1, 2):
        stored, counted = stored_counts(path, list_id)
        assert stored == counted and sum(stored[0].values()) == 25 * list_id
    store = db.open_store(str(tmp_path))
    assert lists.field_names(store, 2) == recount([{"fields": list_stats.loads(r[0], {})} for r in store.execute(
        "SELECT fields FROM list_contacts WHERE list_id=2 ORDER BY id")], "")[0]


def test_edits_at_the_same_time_leave_the_counts_equal_to_a_recount(api):
    from concurrent.futures import ThreadPoolExecutor
    list_id = made(api, "together", [person(5000 + i) for i in range(16)])
    contacts = contacts_of(api, list_id)

    def edit(i):
        """Flip one contact's fields and name, or delete it."""
        c = contacts[i % len(contacts)]
        if i % 5 == 4:
            return api.delete("/lists/%d/contacts/%d" % (list_id, c["id"])).status_code
        other = person(9000 + i)
        return api.patch("/lists/%d/contacts/%d" % (list_id, c["id"]),
                         json={"fields": other["fields"], "name": other["name"]}).status_code
    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(edit, range(64))) <= {200, 404}
    stored, counted = stored_counts(os.path.join(api.data_dir, db.DB_FILE_NAME), list_id)
    assert stored == counted
    check(api, list_id)


def test_a_placeholder_first_found_empty_after_the_fifty_examples_keeps_its_place(api):
    contacts = [{"name": "A B", "number": "+1415556%04d" % i, "fields": {"Zip": "1", "City": ""}} for i in range(60)]
    contacts.append({"name": "A B", "number": "+14155569999", "fields": {"Zip": "", "City": "x"}})
    list_id = made(api, "late", contacts)
    check(api, list_id, "{{Zip}} {{City}}")
    got = api.post("/compose/preview", json={"list_id": list_id, "body": "{{Zip}} {{City}}"}).json()["warnings"]
    assert list(got["by_placeholder"].items()) == [("City", 60), ("Zip", 1)] and len(got["examples"]) == 50


def test_lists_saved_from_an_import_and_appended_to_keep_the_preview_equal_to_a_recount(api, tmp_path):
    rows = ["Name,Phone,City,Zip"] + ["%s,+1415557%04d,%s,%s" % (["Asha Rao", "", "Ben"][i % 3], i,
                                                               ["Pune", "", " "][i % 4 % 3], ["", "9"][i % 2])
                                      for i in range(30)]
    path = tmp_path / "people.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    answer = api.upload(str(path), default_region="US")
    assert answer.status_code == 200, answer.text
    import_id = answer.json()["import_id"]
    saved = api.post("/lists", json={"name": "from import", "import_id": import_id})
    assert saved.status_code == 201, saved.text
    list_id = saved.json()["list"]["id"]
    check(api, list_id)
    other = made(api, "appended", [person(i) for i in range(20, 26)] + [{"name": "Dup", "number": "+14155570003"}])
    appended = api.post("/lists/%d/imports" % other, json={"import_id": import_id})
    assert appended.status_code == 200 and appended.json()["duplicates"] == 1, appended.text
    check(api, other)
    stored, counted = stored_counts(os.path.join(api.data_dir, db.DB_FILE_NAME), other)
    assert stored == counted
