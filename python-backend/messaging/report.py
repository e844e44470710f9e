"""A campaign's report (who, when, status, what the provider reported after, replies, provider id, error) as
CSV or XLSX.

Uses the contact engine's spreadsheet writers, so reports and contact exports neutralise formulas alike
(in XLSX the address column is a typed text cell and stays exact, e.g. '+14155552671').
"""
from contacts.exports import to_csv, to_xlsx

from .campaigns import campaign_row, recipient_out

COLUMNS = ("address", "name", "status", "attempts", "attempted_at", "finished_at", "delivery", "delivered_at",
           "read_at", "replied_at", "provider_id", "error_code", "error")
CHUNK = 2000


def report_rows(conn, campaign_id):
    """Every ledger row of the campaign as a tuple in COLUMNS order, read in chunks."""
    campaign_row(conn, campaign_id)
    last_id = 0
    while True:
        rows = conn.execute("SELECT * FROM campaign_recipients WHERE campaign_id=? AND id>? ORDER BY id LIMIT ?",
                            (campaign_id, last_id, CHUNK)).fetchall()
        if not rows:
            return
        for row in rows:
            out = recipient_out(row)
            yield tuple("" if out[c] is None else str(out[c]) for c in COLUMNS)
        last_id = rows[-1]["id"]


def as_csv(conn, campaign_id):
    """The report as UTF-8 CSV with a BOM."""
    return to_csv(list(COLUMNS), report_rows(conn, campaign_id))


def as_xlsx(conn, campaign_id):
    """The report as an XLSX workbook of text cells."""
    campaign_row(conn, campaign_id)  # a 404 raised inside the writer would strand openpyxl's temp file
    return to_xlsx(list(COLUMNS), report_rows(conn, campaign_id), "Report")
