"""OpenDocument spreadsheets (.ods): read like any workbook, numbers stored as numbers come back as exact digits,
the million empty rows LibreOffice writes at the end of each sheet cost nothing, and a sheet that really repeats
too much, a DTD or a damaged file gets a clear 4xx answer, through the reader and the real sidecar."""
import random
import time
import zipfile

import pytest

from contacts.readers import read_file
from core.errors import DomainError
from support.ods import content_xml, write_ods
from support.readers import cells

CONTACTS = [["Name", "Mobile", "City"], ["Asha Rao", ("float", "919876543210"), "Pune"],
            ["Bob Lee", "+44 7911 123456", "Leeds"], ["", "", ""], ["Chen Wei", ("float", "8613800138000"), "Xi'an"]]


def test_an_ods_reads_every_sheet_with_numbers_as_exact_digits(tmp_path):
    path = write_ods(tmp_path / "c.ods", {"People": CONTACTS, "Notes": [["Just a note"]]})
    book = read_file(str(path), "c.ods")
    assert book.file_type == "ods" and [s.name for s in book.sheets] == ["People", "Notes"]
    assert cells(book) == [["Name", "Mobile", "City"], ["Asha Rao", "919876543210", "Pune"],
                           ["Bob Lee", "+44 7911 123456", "Leeds"], ["", "", ""], ["Chen Wei", "8613800138000", "Xi'an"]]
    assert cells(book, 1) == [["Just a note"]]


def test_libreoffice_trailing_repeats_are_not_materialised(tmp_path):
    path = write_ods(tmp_path / "big-tail.ods", {"Sheet1": CONTACTS}, trailing_rows=1048000, trailing_cells=16000)
    started = time.perf_counter()
    book = read_file(str(path), "big-tail.ods")
    assert time.perf_counter() - started < 2.0
    assert book.sheets[0].frame.shape == (5, 3)


def test_typed_cells_read_as_a_person_sees_them(tmp_path):
    rows = [["Name", "Phone", "Born", "At", "Member", "Paid"],
            ["Ann", ("float", "4155552671"), ("date", "1990-05-17"), ("time", "PT09H05M00S"), ("boolean", "true"),
             ("currency", "12.5")],
            ["Ben", "(415) 555-2672", ("date", "2024-03-01T10:30:00"), ("time", "PT23H59M59S"),
             ("boolean", "false"), ("percentage", "0.25")]]
    book = read_file(str(write_ods(tmp_path / "t.ods", {"S": rows})), "t.ods")
    assert cells(book)[1:] == [["Ann", "4155552671", "1990-05-17", "09:05:00", "TRUE", "12.5"],
                               ["Ben", "(415) 555-2672", "2024-03-01 10:30:00", "23:59:59", "FALSE", "0.25"]]


def test_spaces_tabs_line_breaks_and_repeated_cells_inside_a_row(tmp_path):
    raw = ('<table:table-cell office:value-type="string"><text:p>Mary<text:s text:c="2"/>Ann<text:tab/>O'
           '<text:span>\'Neil</text:span></text:p><text:p>second line</text:p></table:table-cell>')
    rows = [["Name", "Phone", "x", "y"], [("raw", raw), "0612345678", ("repeat", 1), "z"],
            ("repeat-row", 2, ["Same", "0612345679"])]
    book = read_file(str(write_ods(tmp_path / "s.ods", {"S": rows})), "s.ods")
    assert cells(book) == [["Name", "Phone", "x", "y"], ["Mary  Ann\tO'Neil\nsecond line", "0612345678", "", "z"],
                           ["Same", "0612345679", "", ""], ["Same", "0612345679", "", ""]]


def test_an_ods_that_really_repeats_too_much_is_refused(tmp_path):
    rows = [["Name", "Phone"], ("repeat-row", 1000000, ["x", "0612345678", ("repeat", 900), "y"])]
    with pytest.raises(DomainError) as caught:
        read_file(str(write_ods(tmp_path / "bomb.ods", {"S": rows})), "bomb.ods")
    assert caught.value.code in ("workbook_too_large", "too_many_columns")


def test_an_absurd_repeat_count_is_refused_before_it_is_multiplied(tmp_path):
    rows = [["Name", "Phone"], ("repeat-row", 10 ** 12, ["x", "0612345678"])]
    with pytest.raises(DomainError) as caught:
        read_file(str(write_ods(tmp_path / "huge.ods", {"S": rows})), "huge.ods")
    assert caught.value.code == "workbook_too_large"


def test_a_dtd_in_content_xml_is_refused(tmp_path):
    content = content_xml({"S": CONTACTS}).replace(
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<?xml version="1.0"?>\n<!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n')
    with pytest.raises(DomainError) as caught:
        read_file(str(write_ods(tmp_path / "dtd.ods", {}, content=content)), "dtd.ods")
    assert caught.value.code == "unsafe_workbook"


def test_a_damaged_content_xml_is_corrupt_file(tmp_path):
    content = content_xml({"S": CONTACTS})[:400]
    with pytest.raises(DomainError) as caught:
        read_file(str(write_ods(tmp_path / "cut.ods", {}, content=content)), "cut.ods")
    assert caught.value.code == "corrupt_file"


def test_an_opendocument_text_file_is_not_a_contact_list(tmp_path):
    path = tmp_path / "letter.odt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(DomainError) as caught:
        read_file(str(path), "letter.odt")
    assert caught.value.code == "unsupported_type"


def test_an_ods_upload_gives_the_contacts_and_exports_round_trip(sidecar, tmp_path):
    path = write_ods(tmp_path / "guests.ods", {"Guests": CONTACTS})
    answer = sidecar.post("/upload", files={"file": ("guests.ods", path.read_bytes())}, data={"default_region": "IN"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["file_type"] == "ods" and body["columns"]["phone"] == "Mobile"
    assert [(c["name"], c["number"]) for c in body["contacts"]] == [
        ("Asha Rao", "+919876543210"), ("Bob Lee", "+447911123456"), ("Chen Wei", "+8613800138000")]
    remapped = sidecar.post("/imports/%s/remap" % body["import_id"], json={"sheet": "Guests"})
    assert remapped.status_code == 200, remapped.text


def test_an_ods_bomb_upload_is_a_4xx_and_the_sidecar_stays_up(sidecar, tmp_path):
    rows = [["Name", "Phone"], ("repeat-row", 1000000, ["x", "0612345678", ("repeat", 900), "y"])]
    path = write_ods(tmp_path / "bomb.ods", {"S": rows})
    answer = sidecar.post("/upload", files={"file": ("bomb.ods", path.read_bytes())}, data={"default_region": "IN"})
    assert 400 <= answer.status_code < 500 and answer.json()["code"] in ("workbook_too_large", "too_many_columns")
    assert sidecar.get("/health").status_code == 200


def test_a_flipped_or_cut_ods_gets_an_answer_never_a_crash(tmp_path):
    original = write_ods(tmp_path / "ok.ods", {"S": CONTACTS}).read_bytes()
    rng = random.Random(20261204)
    for trial in range(150):
        data = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        data = bytes(data[:max(1, int(len(data) * rng.uniform(0.3, 1.0)))]) if trial % 3 == 0 else bytes(data)
        path = tmp_path / ("m%d.ods" % trial)
        path.write_bytes(data)
        started = time.perf_counter()
        try:
            book = read_file(str(path), path.name)
        except DomainError as error:
            assert error.code in ("corrupt_file", "unsupported_type", "workbook_too_large", "unsafe_workbook",
                                  "too_many_columns", "empty_file", "not_text"), error.code
        else:
            assert all(isinstance(v, str) for s in book.sheets for v in s.frame.to_numpy().ravel())
        assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize("damage", ["mimetype name in its local header", "content.xml CRC"])
def test_zip_level_damage_is_corrupt_file_answered_by_the_ods_reader_itself(tmp_path, caplog, damage):
    """A local header that disagrees with the directory, or a CRC that fails while content.xml is read: the
    reader's own corrupt_file, not the catch-all for reader bugs (which logs a traceback). Found by fuzzing."""
    path = write_ods(tmp_path / "ok.ods", {"S": CONTACTS})
    data = bytearray(path.read_bytes())
    if damage.startswith("mimetype"):
        at = data.index(b"PK\x03\x04") + 30  # the first entry is mimetype, its name right after the fixed header
        assert data[at:at + 8] == b"mimetype"
        data[at + 1] = ord("V")
    else:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("content.xml")
            stored = archive.read("content.xml")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            archive.writestr(info.filename, stored)
        data = bytearray(path.read_bytes())
        at = data.index(b"<office:body")
        data[at + 1] = ord("x")  # same length, different bytes: the CRC no longer matches
    path.write_bytes(bytes(data))
    with pytest.raises(DomainError) as caught:
        read_file(str(path), "damaged.ods")
    assert caught.value.code == "corrupt_file"
    assert not [r for r in caplog.records if r.levelname == "ERROR"], "the catch-all handled it"
