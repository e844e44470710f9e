"""Import history on disk, against real sidecar processes: imports survive a restart, fixes with them, and a
broken or half-written copy never takes the sidecar down."""
import csv
import io
import os

import pytest

from support.sidecar import Sidecar
from support.disk import fill, small_disk  # noqa: F401  (the tmpfs fixture that fills up)

CSV = ("Name,Phone,Email,City\n"
       "Asha,415 555 0101,asha@example.com,Oakland\n"
       "Bob,415 555 0102,bob@example,Fresno\n"
       "Carl,12345,carl@example.com,Davis\n"
       "Dina,(415) 555-0101,dina@example.com,Napa\n")


@pytest.fixture
def server(tmp_path):
    """A sidecar whose data folder outlives it (restart it with `restarted`)."""
    running = Sidecar(tmp_path).start()
    yield running
    running.stop()


def restarted(server):
    """Stop SERVER and start it again on the same data folder."""
    server.stop()
    return server.start()


def upload(server, name="people.csv", text=CSV):
    """Import TEXT as file NAME; the answer's JSON."""
    answer = server.post("/upload", files={"file": (name, text.encode())}, data={"default_region": "US"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def imports_folder(server):
    """Where the sidecar keeps its imports."""
    return os.path.join(server.data_dir, "imports")


def test_an_import_reopens_after_a_restart_with_its_fix(server):
    first = upload(server)
    import_id = first["import_id"]
    carl = next(r for r in server.get("/imports/%s/rows?status=invalid" % import_id).json()["rows"]
                if r["name"] == "Carl")
    fixed = server.patch("/imports/%s/rows/%s" % (import_id, carl["id"]), json={"value": "415 555 0177"})
    assert fixed.status_code == 200, fixed.text
    before = server.get("/imports/" + import_id).json()
    restarted(server)
    after = server.get("/imports/" + import_id)
    assert after.status_code == 200, after.text
    assert after.json()["summary"] == before["summary"]
    assert after.json()["summary"]["valid"] == 3 and after.json()["summary"]["duplicates"] == 1
    rows = server.get("/imports/%s/rows?status=valid" % import_id).json()["rows"]
    assert {r["name"]: r["number"] for r in rows} == {"Asha": "+14155550101", "Bob": "+14155550102",
                                                   "Carl": "+14155550177"}
    export = server.get("/imports/%s/export?format=csv" % import_id)
    assert export.status_code == 200
    table = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert [(r["Name"], r["Phone"], r["City"]) for r in table] == [("Asha", "+14155550101", "Oakland"),
                                                                  ("Bob", "+14155550102", "Fresno"),
                                                                  ("Carl", "+14155550177", "Davis")]
    remapped = server.post("/imports/%s/remap" % import_id, json={"phone": "Phone", "name": "City"})
    assert remapped.status_code == 200, remapped.text
    assert remapped.json()["import_id"] != import_id


def test_a_renamed_contact_keeps_its_name_after_a_restart_and_in_exports(server):
    import_id = upload(server)["import_id"]
    bob = next(r for r in server.get("/imports/%s/rows" % import_id).json()["rows"] if r["name"] == "Bob")
    renamed = server.patch("/imports/%s/rows/%s" % (import_id, bob["id"]), json={"name": "  Robert   Jones "})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["row"]["name"] == "Robert Jones" and renamed.json()["row"]["number"] == bob["number"]
    assert renamed.json()["summary"] == server.get("/imports/" + import_id).json()["summary"]
    too_long = server.patch("/imports/%s/rows/%s" % (import_id, bob["id"]), json={"name": "x" * 201})
    assert too_long.status_code == 400 and too_long.json()["code"] == "bad_field"
    neither = server.patch("/imports/%s/rows/%s" % (import_id, bob["id"]), json={"nickname": "Bobby"})
    assert neither.status_code == 400 and neither.json()["code"] == "missing_field"
    restarted(server)
    rows = server.get("/imports/%s/rows?q=Robert" % import_id).json()["rows"]
    assert [(r["id"], r["name"]) for r in rows] == [(bob["id"], "Robert Jones")]
    table = list(csv.DictReader(io.StringIO(
        server.get("/imports/%s/export?format=csv" % import_id).content.decode("utf-8-sig"))))
    assert [r["Name"] for r in table if r["Phone"] == bob["number"]] == ["Robert Jones"]


def test_the_history_lists_every_import_newest_first_and_deletes(server):
    older = upload(server, "older.csv")["import_id"]
    newer = upload(server, "newer.csv", CSV.replace("Asha", "Ana"))["import_id"]
    restarted(server)
    listed = server.get("/imports").json()["imports"]
    assert [(i["import_id"], i["source_name"]) for i in listed] == [(newer, "newer.csv"), (older, "older.csv")]
    assert listed[0]["summary"]["rows"] == 4 and listed[0]["region"] == "US" and listed[0]["created"] > 0
    assert server.delete("/imports/" + older).status_code == 204
    assert server.get("/imports/" + older).json()["code"] == "not_found"
    assert not os.path.exists(os.path.join(imports_folder(server), older))
    assert server.delete("/imports/" + older).json()["code"] == "not_found"
    restarted(server)
    assert [i["import_id"] for i in server.get("/imports").json()["imports"]] == [newer]


def test_a_broken_saved_copy_answers_409_and_is_left_out_of_the_list(server):
    good = upload(server, "good.csv")["import_id"]
    broken = upload(server, "broken.csv")["import_id"]
    server.stop()
    with open(os.path.join(imports_folder(server), broken, "entries.arrow"), "r+b") as f:
        f.truncate(100)
    with open(os.path.join(imports_folder(server), good, "meta.json"), "w", encoding="utf-8") as f:
        f.write("{not json")
    os.makedirs(os.path.join(imports_folder(server), ".partial-imp_crashedmidsave0"))
    server.start()
    answer = server.get("/imports/" + broken)
    assert answer.status_code == 409 and answer.json()["code"] == "import_unreadable", answer.text
    assert "import the file again" in answer.json()["error"]
    assert [i["import_id"] for i in server.get("/imports").json()["imports"]] == [broken]
    assert not any(n.startswith(".partial-") for n in os.listdir(imports_folder(server)))
    assert server.delete("/imports/" + broken).status_code == 204
    assert upload(server)["summary"]["valid"] == 2  # still imports after all that


def test_saved_imports_are_owner_only_and_ids_never_reach_the_disk(server):
    import_id = upload(server)["import_id"]
    folder = os.path.join(imports_folder(server), import_id)
    assert oct(os.stat(folder).st_mode & 0o777) == "0o700"
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        expected = "0o700" if os.path.isdir(path) else "0o600"
        assert oct(os.stat(path).st_mode & 0o777) == expected, name
    for probe in ("imp_..%2F..%2Fsettings", "%2E%2E", "imp_" + "A" * 15, "imp_" + "A" * 16):
        answer = server.get("/imports/" + probe)
        assert answer.status_code == 404 and answer.json()["code"] == "not_found", probe
    assert server.delete("/imports/imp_..%2F..%2Fimports").json()["code"] == "not_found"
    assert os.path.isdir(folder)


def test_fixing_rows_while_the_import_is_deleted_answers_200_or_404_never_500(server):
    from concurrent.futures import ThreadPoolExecutor
    text = "Name,Phone\n" + "".join("P%d,415 555 %04d\n" % (i, i) for i in range(3000))
    answers = []
    for _round in range(8):
        import_id = upload(server, text=text)["import_id"]
        entry = server.get("/imports/%s/rows?status=valid&limit=1" % import_id).json()["rows"][0]["id"]
        path = "/imports/%s/rows/%s" % (import_id, entry)
        with ThreadPoolExecutor(4) as pool:
            fixes = [pool.submit(server.patch, path, json={"value": "415 555 %04d" % n}) for n in range(12)]
            deleted = pool.submit(server.delete, "/imports/" + import_id)
            answers += [f.result() for f in fixes]
        assert deleted.result().status_code in (200, 204), deleted.result().text
    assert {a.status_code for a in answers} <= {200, 404}, [a.text for a in answers if a.status_code not in (200, 404)]
    assert all(a.json()["code"] == "not_found" for a in answers if a.status_code == 404)
    assert any(a.status_code == 404 for a in answers)  # the deletion really overtook some fixes


def test_an_import_that_cannot_be_saved_answers_507_and_is_never_listed_or_served(tmp_path, small_disk):
    """The save runs beside the answer's encoding: a full disk must still be a 507 before any of the answer, and
    the import it would have named must not exist anywhere (listing, paging), then import again once space is
    back."""
    text = "Name,Phone\n" + "".join("P%d,+91 98861 %05d\n" % (i, i) for i in range(5000))
    full = Sidecar(tmp_path / "home", data_dir=small_disk / "data").start()
    try:
        filler = fill(str(small_disk))
        refused = full.post("/upload", files={"file": ("big.csv", text.encode())}, data={"default_region": "IN"})
        assert (refused.status_code, refused.json()["code"]) == (507, "storage_full"), refused.text[:300]
        assert "import_id" not in refused.json() and "contacts" not in refused.json()
        assert full.get("/imports").json()["imports"] == []
        assert not [n for n in os.listdir(imports_folder(full)) if not n.startswith(".")]
        os.remove(filler)
        saved = full.post("/upload", files={"file": ("big.csv", text.encode())}, data={"default_region": "IN"})
        assert saved.status_code == 200 and saved.json()["summary"]["valid"] == 5000
        assert [i["import_id"] for i in full.get("/imports").json()["imports"]] == [saved.json()["import_id"]]
        page = full.get("/imports/%s/rows" % saved.json()["import_id"])
        assert page.status_code == 200, page.text[:300]
    finally:
        full.stop()


@pytest.mark.parametrize("name,text,code", [
    ("nothing.csv", "Name,City\nAsha,Oakland\nBob,Fresno\n", "no_phone_column"),
    ("header.csv", "Name,Phone,City\n", "no_rows"),
    ("people.csv", CSV, "bad_sheet"),
])
def test_a_file_that_fails_to_import_leaves_nothing_saved(server, name, text, code):
    # Nothing of a file that fails to import reaches the history (not even a temporary folder).
    data = {"default_region": "US", **({"sheet": "Missing"} if code == "bad_sheet" else {})}
    answer = server.post("/upload", files={"file": (name, text.encode())}, data=data)
    assert answer.status_code in (400, 422), answer.text
    assert answer.json()["code"] == code
    assert os.listdir(imports_folder(server)) == []
    assert server.get("/imports").json()["imports"] == []
    assert upload(server)["summary"]["valid"] == 2  # and the next import is saved as before
    assert len(os.listdir(imports_folder(server))) == 1
