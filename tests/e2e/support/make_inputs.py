"""Write the e2e tests' input files (every supported type, plus a PNG) into a directory.

The rows come from the project's generator (scripts/gen_contacts.py), so they are as messy as real lists;
this script only re-packages them as TSV, XLS, XLSX (two sheets) and vCard, and adds the few
rows a test needs on purpose (names that look like spreadsheet formulas, a second phone column).

    python make_inputs.py OUT_DIR [--big ROWS]
"""
import argparse
import csv
import os
import struct
import subprocess
import sys
import zlib

GENERATOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts", "gen_contacts.py")
# Names a spreadsheet would run as formulas if an export did not neutralise them.
FORMULA_NAMES = ['=HYPERLINK("http://example.invalid","click")', "@SUM(1+1)", "-2+3"]
FORMULA_NUMBERS = ["+91 98450 12345", "+91 99000 54321", "+91 97400 11223"]


def generate(out, rows, fmt, seed, region="IN"):
    """Run the project's generator (its answer key lands beside OUT); return OUT."""
    done = subprocess.run([sys.executable, GENERATOR, "--rows", str(rows), "--region", region, "--format", fmt,
                           "--seed", str(seed), "--out", out], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit("gen_contacts.py failed:\n" + done.stderr)
    return out


def read_rows(path):
    """Header and rows of a CSV file."""
    with open(path, newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    return table[0], table[1:]


def write_delimited(path, header, rows, delimiter):
    """CSV or TSV."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)


def write_xlsx(path, sheets):
    """An .xlsx workbook with one sheet per (title, header, rows); every cell written as text."""
    from openpyxl import Workbook
    book = Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title)
        for row in [header] + rows:
            sheet.append([str(cell) for cell in row])
    book.save(path)


def write_xls(path, header, rows):
    """A legacy .xls workbook."""
    import xlwt
    book = xlwt.Workbook()
    sheet = book.add_sheet("Contacts")
    for r, row in enumerate([header] + rows):
        for c, cell in enumerate(row):
            sheet.write(r, c, cell)
    book.save(path)


def write_vcf(path, header, rows):
    """vCard 3.0 cards from (name, phone, ...) rows."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        for row in rows:
            name, phone = row[0], row[1]
            handle.write("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:%s\r\nTEL;TYPE=CELL:%s\r\nEND:VCARD\r\n" % (name, phone))


def write_png(path):
    """A real 8x8 grey PNG: something a user might drop by mistake."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\x80" * 8 for _ in range(8))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    with open(path, "wb") as handle:
        handle.write(png)


def two_phone_rows(rows):
    """Rows with two phone columns: 'Mobile' (the generator's numbers) and 'Office' (different ones)."""
    header = ["Name", "Mobile", "Office", "City"]
    out = []
    for i, row in enumerate(rows):
        office = "+1 415 555 %04d" % (1000 + i) if i % 3 else "not known"
        out.append([row[0], row[1], office, row[2] if len(row) > 2 else ""])
    return header, out


def main():
    """Write every input file."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out_dir")
    ap.add_argument("--big", type=int, default=0, help="also write big.csv with this many rows")
    args = ap.parse_args()
    out = args.out_dir
    os.makedirs(out, exist_ok=True)
    header, rows = read_rows(generate(os.path.join(out, "contacts.csv"), 240, "csv", 11))
    rows += [[name, number, "Pune"] for name, number in zip(FORMULA_NAMES, FORMULA_NUMBERS)]
    write_delimited(os.path.join(out, "contacts.csv"), header, rows, ",")
    write_delimited(os.path.join(out, "contacts.tsv"), header, rows[:150], "\t")
    generate(os.path.join(out, "contacts.txt"), 120, "txt", 12)
    team_header, team_rows = two_phone_rows(rows[150:200])
    write_xlsx(os.path.join(out, "contacts.xlsx"), [("Contacts", header, rows[:120]), ("Team", team_header, team_rows)])
    write_xls(os.path.join(out, "contacts.xls"), header, rows[:90])
    write_vcf(os.path.join(out, "contacts.vcf"), header, rows[:60])
    write_delimited(os.path.join(out, "two_phones.csv"), *two_phone_rows(rows[:80]), ",")
    write_png(os.path.join(out, "photo.png"))
    if args.big:
        generate(os.path.join(out, "big.csv"), args.big, "csv", 13)
    print(out)


if __name__ == "__main__":
    main()
