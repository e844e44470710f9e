"""vCard details: 2.1 QUOTED-PRINTABLE soft breaks, 3.0 folding and Apple labels, 4.0 tel: URIs, escapes, damage."""
from support.readers import cells, read_bytes

HEADER_ROWS = 1


def card_rows(tmp_path, text, name="cards.vcf"):
    """The data rows (header dropped) of TEXT read as a vCard file, as dicts keyed by header."""
    rows = cells(read_bytes(tmp_path, name, text.replace("\n", "\r\n").encode("utf-8")))
    return [dict(zip(rows[0], r)) for r in rows[HEADER_ROWS:]]


def test_vcard_21_quoted_printable_with_soft_breaks_and_charset(tmp_path):
    """'=' at a line end joins the next line; CHARSET decodes the bytes; bare 2.1 types (CELL;PREF) are read."""
    text = ("BEGIN:VCARD\nVERSION:2.1\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BC=\nrgen;;;\n"
            "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=BCrgen =\nM=C3=BCller\nTEL;CELL;PREF:+49 151 23456789\n"
            "TEL;HOME:030 1234567\nTEL;WORK;FAX:030 7654321\nEND:VCARD\n")
    assert card_rows(tmp_path, text) == [{
        "Name": "Jürgen Müller", "First name": "Jürgen", "Last name": "Müller", "WhatsApp": "",
        "Mobile": "+49 151 23456789", "Home phone": "030 1234567", "Work phone": "", "Other phone": "",
        "Fax or pager": "030 7654321", "Email": "", "Organization": ""}]


def test_vcard_21_latin1_charset(tmp_path):
    """A QUOTED-PRINTABLE value in CHARSET=ISO-8859-1 decodes with that charset."""
    text = "BEGIN:VCARD\nVERSION:2.1\nFN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Jos=E9\nTEL:555 0101\nEND:VCARD\n"
    assert card_rows(tmp_path, text)[0]["Name"] == "José"


def test_vcard_30_folding_types_labels_and_escapes(tmp_path):
    """Folded lines are unfolded, TYPE lists and Apple item labels pick the column, escapes are undone."""
    text = ("BEGIN:VCARD\nVERSION:3.0\nN:Nair;Meera;;Dr.;\nORG:Acme\\, Inc.;Sales\nNOTE:a long note that is\n  folded\n"
            "TEL;TYPE=CELL,VOICE:+91 98765\n  43210\nitem1.TEL:+91 91234 56789\nitem1.X-ABLabel:_$!<Mobile>!$_\n"
            "item2.TEL:+91 22 2345 6789\nitem2.X-ABLabel:Work\nTEL;TYPE=HOME:+91 80 2345 6789\n"
            "EMAIL;TYPE=INTERNET:meera@example.in\nEMAIL;TYPE=WORK:m.nair@acme.in\nEND:VCARD\n")
    assert card_rows(tmp_path, text) == [{
        "Name": "Dr. Meera Nair", "First name": "Meera", "Last name": "Nair", "WhatsApp": "",
        "Mobile": "+91 98765 43210 ::: +91 91234 56789", "Home phone": "+91 80 2345 6789",
        "Work phone": "+91 22 2345 6789", "Other phone": "", "Fax or pager": "",
        "Email": "meera@example.in ::: m.nair@acme.in", "Organization": "Acme, Inc., Sales"}]


def test_vcard_40_tel_uris(tmp_path):
    """4.0 'VALUE=uri' numbers lose the tel: prefix and keep an extension; quoted TYPE lists are read."""
    text = ('BEGIN:VCARD\nVERSION:4.0\nFN:John Smith\nTEL;VALUE=uri;TYPE="cell,voice":tel:+1-555-555-5555\n'
            "TEL;VALUE=uri;TYPE=work:tel:+1-201-555-0123;ext=42\nEND:VCARD\n")
    row = card_rows(tmp_path, text)[0]
    assert (row["Mobile"], row["Work phone"]) == ("+1-555-555-5555", "+1-201-555-0123 ext. 42")


def test_name_from_n_when_fn_is_missing_and_cards_without_end(tmp_path):
    """Without FN the name is built from N; a file cut before END:VCARD still gives its last card."""
    text = "BEGIN:VCARD\nVERSION:3.0\nN:Lee;Ann;;;\nTEL:555 0101\nEND:VCARD\nBEGIN:VCARD\nFN:Bob\nTEL:555 0102\n"
    assert [(r["Name"], r["Other phone"]) for r in card_rows(tmp_path, text)] == [("Ann Lee", "555 0101"),
                                                                                ("Bob", "555 0102")]


def test_lowercase_and_lf_only_vcards_are_recognised(tmp_path):
    """'begin:vcard' with LF line ends, under a .txt name, is a vCard."""
    book = read_bytes(tmp_path, "x.txt", b"\nbegin:vcard\nversion:3.0\nfn:Ann\ntel;type=cell:555 0101\nend:vcard\n")
    assert (book.file_type, cells(book)[1][:5]) == ("vcf", ["Ann", "", "", "", "555 0101"])


def test_fax_and_pager_numbers_go_to_their_own_column_even_when_also_labelled_mobile(tmp_path):
    text = ("BEGIN:VCARD\nVERSION:3.0\nFN:Ann\nTEL;TYPE=FAX:+1 415 555 2600\nTEL;TYPE=CELL,FAX:+1 415 555 2601\n"
            "item1.TEL:+1 415 555 2602\nitem1.X-ABLabel:Pager\nTEL;TYPE=HOME:+1 415 555 2603\nEND:VCARD\n")
    row = card_rows(tmp_path, text)[0]
    assert row["Fax or pager"] == "+1 415 555 2600 ::: +1 415 555 2601 ::: +1 415 555 2602"
    assert (row["Mobile"], row["Home phone"], row["Other phone"]) == ("", "+1 415 555 2603", "")


def test_a_whatsapp_label_in_any_spelling_goes_first(tmp_path):
    text = ("BEGIN:VCARD\nVERSION:3.0\nFN:Ann\nTEL;TYPE=CELL:+1 415 555 2610\n"
            "item1.TEL:+1 415 555 2611\nitem1.X-ABLabel:WhatsApp\nEND:VCARD\n"
            "BEGIN:VCARD\nVERSION:3.0\nFN:Ben\nTEL;TYPE=CELL:+1 415 555 2620\nTEL;TYPE=X-WhatsApp:+1 415 555 2621\n"
            "END:VCARD\nBEGIN:VCARD\nVERSION:2.1\nFN:Cy\nTEL;CELL:+1 415 555 2630\n"
            "TEL;X-CUSTOM(CHARSET=UTF-8,ENCODING=QUOTED-PRINTABLE,=57=68=61=74=73=41=70=70):+1 415 555 2631\n"
            "END:VCARD\n")
    assert [(r["Name"], r["WhatsApp"], r["Mobile"]) for r in card_rows(tmp_path, text)] == [
        ("Ann", "+1 415 555 2611", "+1 415 555 2610"), ("Ben", "+1 415 555 2621", "+1 415 555 2620"),
        ("Cy", "+1 415 555 2631", "+1 415 555 2630")]


def test_custom_labels_count_as_what_they_say(tmp_path):
    text = ("BEGIN:VCARD\nVERSION:3.0\nFN:Ann\nitem1.TEL:+1 415 555 2640\nitem1.X-ABLabel:Mobile 2\n"
            "TEL;X-CUSTOM(CHARSET=UTF-8,ENCODING=QUOTED-PRINTABLE,Home):+1 415 555 2641\n"
            "TEL;TYPE=X-Work-Fax:+1 415 555 2642\nEND:VCARD\n")
    row = card_rows(tmp_path, text)[0]
    assert (row["Mobile"], row["Home phone"], row["Fax or pager"]) == (
        "+1 415 555 2640", "+1 415 555 2641", "+1 415 555 2642")


def test_an_upload_messages_the_whatsapp_number_and_never_the_fax(sidecar):
    text = ("BEGIN:VCARD\nVERSION:3.0\nFN:Ann Lee\nTEL;TYPE=CELL:+1 415 555 2650\n"
            "item1.TEL:+1 415 555 2651\nitem1.X-ABLabel:WhatsApp\nTEL;TYPE=WORK,FAX:+1 415 555 2652\nEND:VCARD\n"
            "BEGIN:VCARD\nVERSION:3.0\nFN:Fax Only\nTEL;TYPE=FAX:+1 415 555 2660\nEND:VCARD\n")
    answer = sidecar.post("/upload", files={"file": ("cards.vcf", text.encode())}, data={"default_region": "US"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [(c["name"], c["number"], c["alternates"]) for c in body["contacts"]] == [
        ("Ann Lee", "+14155552651", ["+14155552650"])]
    assert all("+14155552652" not in (c["number"], *c["alternates"]) for c in body["contacts"])
    assert "+14155552660" not in {c["number"] for c in body["contacts"]}
