#!/usr/bin/env python3
"""A corpus of hostile contact files, and a generator of random mutations of them, for the upload fuzz test.

    .venv/bin/python scripts/hostile_corpus.py --out /tmp/corpus            # write the fixed corpus
    .venv/bin/python scripts/hostile_corpus.py --out /tmp/m --mutants 500 --seed 7   # plus random mutants
    .venv/bin/python scripts/hostile_corpus.py --fuzz 1800 --seed 7   # 30 min against a real sidecar (CI: 1 min)

Every entry is (name, client file name, bytes). The fixed corpus holds the red team's findings and their
variants: sheets whose far cell is hidden by quote style, blanks around '=', case, namespace prefixes, cells and
rows without references, references outside the grid, and sheets stored at other paths (found through the
workbook's relationships); zip tricks (duplicated part names, sizes that lie, data before or after the archive,
a zip named .ods, UTF-16 parts, deep nesting, entity expansion, external entities); and text tables that cost
memory by line length or width (one line of commas, ragged rows, CR-only line ends). `mutants(seed)` combines
those ingredients at random and flips bytes, forever. Nothing here reads outside the repository or the network.
"""
import argparse
import io
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile

import requests

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
APP = os.path.join(REPO, "python-backend", "app.py")

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_REL = REL_NS + "/worksheet"
CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                 '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                 'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>')
ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="%s"><Relationship Id="rId1" Type="%s/'
             'officeDocument" Target="xl/workbook.xml"/></Relationships>' % (PKG_NS, REL_NS))
WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="%s" xmlns:r="%s"><sheets>'
            '<sheet name="Contacts" sheetId="1" r:id="rId1"/></sheets></workbook>' % (MAIN_NS, REL_NS))
WORKBOOK_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="%s"><Relationship Id="rId1" '
                 'Type="%s" Target="%%s"/></Relationships>' % (PKG_NS, SHEET_REL))
HEADER_ROWS = ('<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="B1" t="inlineStr"><is><t>Phone'
               '</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>Ann</t></is></c><c r="B2" '
               't="inlineStr"><is><t>+1 415 555 2671</t></is></c></row>')
FAR_CELLS = ("XFD1048576", "XFD1", "IV1048576", "xfd1048576", "Xfd1048576", "AAAA1", "A99999999999",
             "XFD0001048576", "ZZZ99999", "&#88;FD1048576")
SPELLINGS = ('r="%s"', "r='%s'", 'r = "%s"', "r\t=\t'%s'", 'r\n=\n"%s"', 'r=  "%s"')
PREFIXES = ("", "x:", "ns0:", "a.very-long_prefix.name:")
SHEET_TARGETS = ("worksheets/sheet1.xml", "/xl/worksheets/sheet1.xml", "worksheets/sheet1",
                 "worksheets/deep/down/sheet1.xml", "worksheets/sheet1.bin", "worksheets/SHEET1.XML",
                 "xl/worksheets/other.xml")
DOCUMENTED_CODES = {"empty_file", "unsupported_type", "corrupt_file", "not_text", "workbook_too_large",
                    "unsafe_workbook", "line_too_long", "too_many_columns", "table_too_large", "too_many_rows",
                    "no_phone_column", "no_numbers", "payload_too_large", "rate_limited"}


def sheet_xml(cells_xml, prefix="", dimension="A1:B2", head=""):
    """A worksheet whose sheetData holds the two honest rows and CELLS_XML, elements under PREFIX."""
    ns = ' xmlns:%s="%s"' % (prefix[:-1], MAIN_NS) if prefix else ' xmlns="%s"' % MAIN_NS
    body = HEADER_ROWS.replace("<row", "<%srow" % prefix).replace("</row", "</%srow" % prefix)
    body = body.replace("<c ", "<%sc " % prefix).replace("</c>", "</%sc>" % prefix)
    return ('%s<%sworksheet%s><%sdimension ref="%s"/><%ssheetData>%s%s</%ssheetData></%sworksheet>'
            % (head, prefix, ns, prefix, dimension, prefix, body, cells_xml, prefix, prefix))


def far_cell(ref, spelling='r="%s"', prefix="", row="1048576"):
    """One row holding one numeric cell at REF, its attributes spelt with SPELLING."""
    return ('<%srow %s><%sc %s><%sv>1</%sv></%sc></%srow>'
            % (prefix, spelling % row, prefix, spelling % ref, prefix, prefix, prefix, prefix))


def zip_bytes(parts, compression=zipfile.ZIP_DEFLATED):
    """A zip of PARTS, a list of (name, bytes or str) written in order (duplicates allowed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in parts:
            with_warnings_off(archive.writestr, name, data)
    return out.getvalue()


def with_warnings_off(func, *args):
    """Call FUNC without the duplicate-name warning zipfile prints (duplicates are the point here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args)


def workbook_parts(sheet, target="worksheets/sheet1.xml"):
    """The parts of a minimal workbook whose one sheet, SHEET, sits where TARGET (relative to xl/) says."""
    path = target.lstrip("/") if target.startswith(("/xl/", "xl/")) else "xl/" + target
    return [("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS), ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS % target), (path, sheet)]


def xlsx(sheet, target="worksheets/sheet1.xml"):
    """The bytes of a minimal workbook around SHEET."""
    return zip_bytes(workbook_parts(sheet, target))


def far_cell_workbooks():
    """The finding and its variants: the far cell hidden by spelling, case, prefix or the sheet's path."""
    for i, spelling in enumerate(SPELLINGS):
        for ref in FAR_CELLS[:2]:
            yield "far-%s-spelling%d.xlsx" % (ref, i), xlsx(sheet_xml(far_cell(ref, spelling)))
    for ref in FAR_CELLS:
        yield "far-ref-%s.xlsx" % ref.replace("&#", "ent"), xlsx(sheet_xml(far_cell(ref)))
    for prefix in PREFIXES[1:]:
        yield "far-prefix-%s.xlsx" % prefix[:4], xlsx(sheet_xml(far_cell("XFD1048576", "r='%s'", prefix), prefix))
    for i, target in enumerate(SHEET_TARGETS):
        yield "far-path%d.xlsx" % i, xlsx(sheet_xml(far_cell("XFD1048576")), target)
    glued = '<row r="5"><c t="n"r="XFD1048576"><v>1</v></c></row>'
    yield "far-glued-attribute.xlsx", xlsx(sheet_xml(glued))


def unreferenced_workbooks():
    """Cells and rows without references that still push the range out."""
    wide = '<row r="1000"><c r="A1000"><v>1</v></c>' + "<c><v>1</v></c>" * 20000 + "</row>"
    yield "unreferenced-wide-row.xlsx", xlsx(sheet_xml(wide))
    ends = '<row r="3"><c r="ZZ3"><v>1</v></c></row>' + "</row>" * 50000 + "<c><v>1</v></c>"
    yield "unreferenced-row-ends.xlsx", xlsx(sheet_xml(ends))
    spaced = '<row r="3"><c r="ZZ3"><v>1</v></c>' + "<c\n><v>1</v></c>" * 20000 + "</row>"
    yield "unreferenced-newline-tags.xlsx", xlsx(sheet_xml(spaced))
    rows = "".join("<row><c><v>1</v></c></row>" for _ in range(3)) + far_cell("K1048576")
    yield "unreferenced-rows-then-far.xlsx", xlsx(sheet_xml(rows))


def honest_workbooks():
    """Files that must still be read: a huge but harmless dimension, odd but small spellings."""
    yield "ok-huge-dimension.xlsx", xlsx(sheet_xml("", dimension="A1:XFD1048576"))
    yield "ok-single-quotes-small.xlsx", xlsx(sheet_xml(far_cell("C3", "r='%s'", row="3")))
    yield "ok-prefixed-small.xlsx", xlsx(sheet_xml(far_cell("C3", 'r="%s"', "x:", row="3"), "x:"))
    yield "ok-other-path.xlsx", xlsx(sheet_xml(""), "worksheets/deep/sheet1")


def zip_trick_workbooks():
    """Zip-level tricks: duplicates, lying sizes, extra data, wrong extension, wide encodings, nesting, DTDs."""
    far = sheet_xml(far_cell("XFD1048576"))
    honest = sheet_xml("")
    parts = workbook_parts(honest)
    yield "zip-duplicate-sheet-far-second.xlsx", zip_bytes(parts + [("xl/worksheets/sheet1.xml", far)])
    yield "zip-duplicate-sheet-far-first.xlsx", zip_bytes(parts[:-1] + [("xl/worksheets/sheet1.xml", far)] +
                                                          parts[-1:])
    yield "zip-case-twin.xlsx", zip_bytes(parts + [("XL/WORKSHEETS/SHEET1.XML", far)])
    good = xlsx(honest)
    yield "zip-prepended.xlsx", b"MZ" + b"\0" * 200 + good
    yield "zip-appended.xlsx", good + b"PK\x05\x06" + b"\0" * 18
    yield "zip-second-archive-after.xlsx", good + xlsx(far)
    yield "zip-lying-sizes.xlsx", lying_sizes(xlsx(sheet_xml(" " * 5_000_000)))
    yield "zip-named-ods.ods", zip_bytes(parts + [("content.xml", ods_table()), ("META-INF/manifest.xml",
                                                                                  "<manifest/>")])
    yield "zip-only-ods.ods", zip_bytes([("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
                                         ("content.xml", ods_table()), ("META-INF/manifest.xml", "<manifest/>")])
    yield "zip-utf16-sheet.xlsx", xlsx(b"\xff\xfe" + sheet_xml(far_cell("XFD1048576")).encode("utf-16-le"))
    yield "zip-deep-nesting.xlsx", xlsx(sheet_xml("<x>" * 100000 + "</x>" * 100000))
    yield "zip-billion-laughs.xlsx", xlsx(sheet_xml("&lol9;", head=billion_laughs()))
    yield "zip-billion-laughs-sheet-without-xml-suffix.xlsx", xlsx(sheet_xml("&lol9;", head=billion_laughs()),
                                                                  "worksheets/sheet1")
    yield "zip-external-entity.xlsx", xlsx(sheet_xml("&ext;", head='<!DOCTYPE w [<!ENTITY ext SYSTEM '
                                                                    '"file:///etc/passwd">]>'))
    yield "zip-stored.xlsx", zip_bytes(workbook_parts(far), zipfile.ZIP_STORED)
    yield "zip-many-entries.xlsx", zip_bytes(parts + [("x/%d" % i, "") for i in range(10001)])
    yield "zip-huge-open-tag.xlsx", xlsx(sheet_xml('<row r="1"><c' + " " * (3 << 20) + 'r="XFD1048576"><v>1</v>'
                                                   '</c></row>'))


def xls_with_dimensions(rows, columns):
    """A real .xls (xlwt) whose DIMENSIONS record claims ROWS x COLUMNS (calamine reserves that much at once)."""
    import xlwt
    book = xlwt.Workbook()
    sheet = book.add_sheet("Contacts")
    sheet.write(0, 0, "Phone")
    sheet.write(1, 0, "+1 415 555 2671")
    out = io.BytesIO()
    book.save(out)
    data = bytearray(out.getvalue())
    at = data.find(b"\x00\x02\x0e\x00")  # record 0x0200, 14 bytes (BIFF8)
    struct.pack_into("<LLHH", data, at + 4, 0, rows, 0, columns)
    return bytes(data)


def biff(kind, body=b""):
    """One BIFF record: type, length, body."""
    return struct.pack("<HH", kind, len(body)) + body


def biff_bof(substream):
    """A BIFF8 BOF opening a SUBSTREAM (0x0005 globals, 0x0010 worksheet, 0x0020 chart)."""
    return biff(0x0809, struct.pack("<HHHHLL", 0x0600, substream, 0x0DBB, 0x07CC, 0, 6))


def biff_label(row, column, text):
    """A LABEL cell (BIFF8, compressed 8-bit text)."""
    return biff(0x0204, struct.pack("<HHHHB", row, column, 0, len(text), 0) + text.encode("latin-1"))


def biff_dimensions(first_row, last_row, first_column, last_column):
    """A BIFF8 DIMENSIONS record, fields as given (calamine reserves the area they span)."""
    return biff(0x0200, struct.pack("<LLHHH", first_row, last_row, first_column, last_column, 0))


def xls_from_biff(sheet, offsets=None, padding=b"", shared=b""):
    """A real OLE .xls (xlwt's container) of a hand-made BIFF8 stream: globals (ending with the records SHARED),
    then PADDING, then the records of SHEET framed by BOF and EOF. OFFSETS(start of the sheet) lists where the
    BoundSheet8 records point."""
    from xlwt.CompoundDoc import XlsDoc
    offsets = offsets or (lambda start: [start])
    bound = lambda at: biff(0x0085, struct.pack("<LBBBB", at, 0, 0, 1, 0) + b"S")  # noqa: E731
    count = len(offsets(0))
    start = len(biff_bof(0x0005)) + count * len(bound(0)) + len(shared) + len(biff(0x000A)) + len(padding)
    stream = biff_bof(0x0005) + b"".join(bound(at) for at in offsets(start)) + shared + biff(0x000A) + padding
    stream += biff_bof(0x0010) + b"".join(sheet) + biff(0x000A)
    out = io.BytesIO()
    XlsDoc().save(out, stream + b"\0" * max(0, 4096 - len(stream)))  # a stream under 4 kB would sit in the
    return out.getvalue()                                                # mini stream; both read either way


def forged_xls_files():
    """Hand-made BIFF streams that read one way to a record-by-record scan and another way to calamine."""
    phone = [biff_label(0, 0, "Phone"), biff_label(1, 0, "+1 415 555 2671")]
    chart = [biff_bof(0x0020), biff(0x000A)]
    yield "xls-dimensions-first-row-past-last.xls", xls_from_biff([biff_dimensions(0xD30000, 2, 0, 1)] + phone)
    yield "xls-far-cells-either-side-of-a-chart.xls", xls_from_biff(
        [biff_label(65535, 0, "x")] + chart + [biff_label(0, 65535, "x")])
    yield "xls-sheet-offset-past-the-stream.xls", xls_from_biff(phone, lambda start: [0x7FFFFFF0])
    hidden = biff_bof(0x0010) + biff_dimensions(0, 0xFFFFFFFF, 0, 0xFF) + biff(0x000A)
    yield "xls-sheet-inside-another-record.xls", xls_from_biff(
        phone, lambda start: [start - len(hidden)], padding=biff(0x00EF, hidden))
    yield "xls-many-sheets-over-one-area.xls", xls_from_biff(
        phone + [biff_label(9999, 249, "x")], lambda start: [start] * 5)
    yield "ok-xls-with-a-chart-inside-the-sheet.xls", xls_from_biff(phone[:1] + chart + phone[1:])


def biff_shared_strings(strings):
    """An SST record of STRINGS (8-bit characters), carried on in CONTINUE records past 8,224 bytes a record, as
    Excel splits it: between strings a CONTINUE starts plainly, inside a string's characters with a width flag."""
    bodies = [struct.pack("<LL", len(strings), len(strings))]
    for text in strings:
        if len(bodies[-1]) + 3 > 8224:
            bodies.append(b"")
        bodies[-1] += struct.pack("<HB", len(text), 0)
        chars = text.encode("latin-1")
        while True:
            room = 8224 - len(bodies[-1])
            bodies[-1] += chars[:room]
            chars = chars[room:]
            if not chars:
                break
            bodies.append(b"\0")  # the characters carry on: the new record restates their width
    return biff(0x00FC, bodies[0]) + b"".join(biff(0x003C, body) for body in bodies[1:])


def biff_label_sst(row, column, index):
    """A LABELSST cell naming shared string INDEX."""
    return biff(0x00FD, struct.pack("<HHHL", row, column, 0, index))


def shared_string_xls(copies, once):
    """An .xls whose 60,000-character string is named by COPIES cells, a short one by ONCE cells."""
    shared = biff_shared_strings(["7" * 60000, "x"])
    phone = [biff_label(0, 0, "Phone"), biff_label(1, 0, "+1 415 555 2671")]
    cells = [biff_label_sst(2 + row, 1, 0) for row in range(copies)]
    cells += [biff_label_sst(2 + row, 2, 1) for row in range(once)]
    return xls_from_biff(phone + cells, shared=shared)


def shared_strings_part(strings, unique_count=None):
    """xl/sharedStrings.xml holding STRINGS, with a uniqueCount attribute when given."""
    count = ' uniqueCount="%s"' % unique_count if unique_count is not None else ""
    items = "".join("<si><t>%s</t></si>" % text for text in strings)
    return '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="%s"%s>%s</sst>' % (MAIN_NS, count, items)


def shared_cells(indexes, prefix=""):
    """Rows 3 on, each with one cell in column C naming the shared string of INDEXES (str, as written)."""
    return "".join('<{p}row r="{r}"><{p}c r="C{r}" t="s"><{p}v>{i}</{p}v></{p}c></{p}row>'.format(
        p=prefix, r=3 + row, i=index) for row, index in enumerate(indexes))


def shared_string_workbooks():
    """Small xlsx files that cost gigabytes once each cell has its copy of a shared string, or that claim a
    table of 10^11 strings (calamine reserves for them at once), and an honest twin."""
    long_text = "7" * 32000
    with_table = lambda cells, table, prefix="": zip_bytes(  # noqa: E731
        workbook_parts(sheet_xml(cells, prefix)) + [("xl/sharedStrings.xml", table)])
    yield "zip-shared-strings-unique-count.xlsx", with_table(shared_cells(["0"]), shared_strings_part(
        ["Phone"], 10 ** 11))
    yield "zip-shared-string-named-20000-times.xlsx", with_table(shared_cells(["0"] * 20000), shared_strings_part(
        [long_text]))
    yield "zip-shared-string-named-in-prefixed-cells.xlsx", with_table(shared_cells(["1"] * 20000, "x:"),
                                                                       shared_strings_part(["a", long_text]), "x:")
    yield "ok-zip-shared-string-long-but-named-once.xlsx", with_table(shared_cells(["0"] + ["1"] * 20000),
                                                                      shared_strings_part([long_text, "x"]))
    yield "xls-shared-string-named-6000-times.xls", shared_string_xls(6000, 0)
    yield "ok-xls-shared-string-long-but-named-once.xls", shared_string_xls(1, 6000)


def xls_files():
    """Old-format workbooks whose declared area asks calamine for billions of cells, and an honest one."""
    yield "xls-dimensions-4g-rows.xls", xls_with_dimensions(0xFFFFFFFF, 0xFFFF)
    yield "xls-dimensions-full-grid.xls", xls_with_dimensions(65536, 256)
    yield "ok-xls-dimensions-honest.xls", xls_with_dimensions(2, 1)
    yield from forged_xls_files()


def ods_table():
    """An OpenDocument content.xml whose one row repeats a billion times."""
    return ('<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
            'office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"><office:body>'
            '<office:spreadsheet><table:table table:name="T"><table:table-row table:number-rows-repeated='
            '"1000000000"><table:table-cell table:number-columns-repeated="16384"><text:p xmlns:text="x">1'
            '</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body>'
            '</office:document-content>')


def billion_laughs():
    """A DTD whose entities expand to a billion 'lol's."""
    laughs = "".join('<!ENTITY lol%d "%s">' % (i, "&lol%d;" % (i - 1) * 10) for i in range(1, 10))
    return '<!DOCTYPE worksheet [<!ENTITY lol0 "lol">%s]>' % laughs


def lying_sizes(data):
    """DATA (a zip) with every central-directory entry claiming 10 bytes uncompressed."""
    data = bytearray(data)
    at = 0
    while True:
        at = data.find(b"PK\x01\x02", at)
        if at < 0:
            return bytes(data)
        struct.pack_into("<L", data, at + 24, 10)
        at += 4


def text_tables():
    """CSV and text files that cost memory by their shape, and Mac line ends that must be read."""
    yield "csv-one-line-of-commas-5mb.csv", b"Phone" + b"," * (5 << 20) + b"\n"
    yield "csv-one-line-2mb-no-break.csv", b"+14155552671;" * ((2 << 20) // 13)
    yield "csv-ragged-widening.csv", b"Phone,Name\n" + b"1,a\n" * 200000 + b"," * 999 + b"\n"
    yield "csv-1001-columns.csv", (",".join("c%d" % i for i in range(1001)) + "\n").encode()
    yield "csv-utf16-long-line.csv", ("Phone" + "," * (1 << 20) + "\n").encode("utf-16")
    yield "ok-csv-cr-only.csv", b"Name,Phone\rAnn,+1 415 555 2671\r\"Bob\rSmith\",+1 415 555 2672\r"
    yield "csv-nul-bytes.csv", b"Phone\n" + b"\0" * 100000
    yield "txt-one-long-line.txt", b"call me " * (1 << 18)
    yield "vcf-long-line.vcf", b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:" + b"A" * (3 << 20) + b"\r\nEND:VCARD\r\n"
    yield "html-many-cells.xls", b"<table><tr>" + b"<td>1</td>" * 300000 + b"</tr></table>"


def corpus():
    """Every fixed hostile file: (name, client file name, bytes)."""
    groups = (far_cell_workbooks, unreferenced_workbooks, honest_workbooks, zip_trick_workbooks, xls_files,
              shared_string_workbooks, text_tables)
    for group in groups:
        for name, data in group():
            yield name, name, data if isinstance(data, bytes) else data.encode("utf-8")


def mutant_sheet(rng):
    """A random worksheet: a far or near cell, in a random spelling, prefix and path."""
    prefix = rng.choice(PREFIXES)
    ref = rng.choice(FAR_CELLS + ("C3", "B2", "IV65536", "XFC1048575"))
    cell = far_cell(ref, rng.choice(SPELLINGS), prefix, row=rng.choice(("3", "1048576", "0", "")))
    if rng.random() < 0.3:
        cell += ("<%sc><%sv>1</%sv></%sc>" % ((prefix,) * 4)) * rng.randint(1, 30000)
    if rng.random() < 0.2:
        cell += "</%srow>" % prefix * rng.randint(1, 30000)
    return sheet_xml(cell, prefix, dimension=rng.choice(("A1:B2", "A1:XFD1048576", "A1", "")))


def flipped(rng, data, flips):
    """DATA with FLIPS random bytes replaced."""
    data = bytearray(data)
    for _ in range(flips):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def mutants(seed):
    """An endless stream of random hostile files (name, client file name, bytes) from SEED."""
    rng = random.Random(seed)
    fixed = [entry for entry in corpus() if len(entry[2]) < (1 << 20)]
    for number in range(1 << 62):
        roll = rng.random()
        if roll < 0.5:
            sheet = mutant_sheet(rng).encode("utf-8")
            if rng.random() < 0.3:
                sheet = flipped(rng, sheet, rng.randint(1, 20))
            target = rng.choice(SHEET_TARGETS)
            yield "mutant%d-sheet.xlsx" % number, rng.choice(("m.xlsx", "m.xls", "m.ods", "m.csv")), \
                xlsx(sheet, target)
        else:
            name, filename, data = rng.choice(fixed)
            yield "mutant%d-%s" % (number, name), filename, flipped(rng, data, rng.randint(1, 50))


def verdict(answer):
    """None when ANSWER is allowed (200, or a 4xx JSON error with a documented code), else what is wrong."""
    if answer.status_code == 200:
        return None
    try:
        code = answer.json().get("code")
    except ValueError:
        return "status %d without a JSON error" % answer.status_code
    if 400 <= answer.status_code < 500 and code in DOCUMENTED_CODES:
        return None
    return "status %d code %r" % (answer.status_code, code)


def upload_one(url, filename, data):
    """POST /upload of DATA as FILENAME; the answer, or the description of a dropped connection."""
    try:
        return requests.post(url + "/upload", files={"file": (filename, data)}, timeout=120)
    except requests.RequestException as error:
        return "no answer: %s" % error


def fuzz(url, entries, seconds, alive):
    """Upload ENTRIES (fixed ones first, mutants until SECONDS pass) to the sidecar at URL; ALIVE() checks the
    process. Every answer must be 200 or a documented 4xx, and 200 for the honest files (named ok-...). Returns
    (how many were sent, the failures as (name, what went wrong))."""
    failures, sent, deadline = [], 0, None
    for name, filename, data in entries:
        if name.startswith("mutant"):
            deadline = deadline or time.monotonic() + seconds
            if time.monotonic() > deadline:
                break
        answer = upload_one(url, filename, data)
        sent += 1
        problem = answer if isinstance(answer, str) else verdict(answer)
        if not problem and name.startswith("ok-") and answer.status_code != 200:
            problem = "an honest file was refused: %s" % answer.text[:200]
        if problem or not alive():
            failures.append((name, problem or "the sidecar died"))
            if not alive():
                break
    return sent, failures


def free_port():
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fuzz_a_fresh_sidecar(seconds, seed):
    """Start app.py on loopback with its own data and temp folders, fuzz it, stop it; print and return failures."""
    home = tempfile.mkdtemp(prefix="bulkmsg-fuzz-")
    temp, port = os.path.join(home, "tmp"), free_port()
    os.makedirs(temp)
    env = dict(os.environ, TMPDIR=temp, BULKMSG_RATE_LIMITS="upload=100000/60")
    proc = subprocess.Popen([sys.executable, APP, "--host", "127.0.0.1", "--port", str(port), "--data-dir",
                             os.path.join(home, "data")], env=env)
    url = "http://127.0.0.1:%d" % port
    try:
        wait_healthy(url, proc)
        sent, failures = fuzz(url, everything(seed), seconds, lambda: proc.poll() is None)
        failures += [("temp folder", "left behind: %s" % n) for n in os.listdir(temp)]
        print("sent %d files (seed %d); %d failures" % (sent, seed, len(failures)))
        for name, problem in failures:
            print("  %s: %s" % (name, problem))
        return failures
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)


def everything(seed):
    """The fixed corpus, then mutants from SEED without end."""
    yield from corpus()
    yield from mutants(seed)


def wait_healthy(url, proc, timeout=60):
    """Wait until the sidecar at URL answers /health."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if requests.get(url + "/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit("the sidecar did not start")


def main():
    """Write the corpus (and optional mutants) to --out, or fuzz a real sidecar for --fuzz seconds."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out")
    ap.add_argument("--mutants", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fuzz", type=float, metavar="SECONDS", help="fuzz a fresh real sidecar this long")
    args = ap.parse_args()
    if args.fuzz:
        sys.exit(1 if fuzz_a_fresh_sidecar(args.fuzz, args.seed) else 0)
    if not args.out:
        ap.error("give --out DIR or --fuzz SECONDS")
    os.makedirs(args.out, exist_ok=True)
    entries = list(corpus())
    stream = mutants(args.seed)
    entries += [next(stream) for _ in range(args.mutants)]
    for name, _, data in entries:
        with open(os.path.join(args.out, name), "wb") as handle:
            handle.write(data)
    print("wrote %d files to %s" % (len(entries), args.out))


if __name__ == "__main__":
    main()
