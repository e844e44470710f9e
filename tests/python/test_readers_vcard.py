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
        "Name": "Jürgen Müller", "First name": "Jürgen", "Last name": "Müller", "Mobile": "+49 151 23456789",
        "Home phone": "030 1234567", "Work phone": "", "Other phone": "030 7654321", "Email": "", "Organization": ""}]


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
        "Name": "Dr. Meera Nair", "First name": "Meera", "Last name": "Nair",
        "Mobile": "+91 98765 43210 ::: +91 91234 56789", "Home phone": "+91 80 2345 6789",
        "Work phone": "+91 22 2345 6789", "Other phone": "", "Email": "meera@example.in ::: m.nair@acme.in",
        "Organization": "Acme, Inc., Sales"}]


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
    assert (book.file_type, cells(book)[1][:4]) == ("vcf", ["Ann", "", "", "555 0101"])
