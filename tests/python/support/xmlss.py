"""SpreadsheetML (XML Spreadsheet 2003) documents built for tests: the readers' and the frame differential's."""


HEAD = ('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:o="urn:schemas-microsoft-com:office:'
        'office" xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns:ss="urn:schemas-microsoft-com:office:'
        'spreadsheet" xmlns:html="http://www.w3.org/TR/REC-html40">\n')


def workbook(*sheets):
    """A SpreadsheetML document of SHEETS: (name, [rows of xml cells or (row attributes, cells)])."""
    out = [HEAD]
    for name, rows in sheets:
        out.append(' <Worksheet ss:Name="%s">\n  <Table>\n' % name)
        for row in rows:
            attributes, row_cells = row if isinstance(row, tuple) else ("", row)
            out.append("   <Row%s>%s</Row>\n" % (attributes, "".join(row_cells)))
        out.append("  </Table>\n </Worksheet>\n")
    out.append("</Workbook>\n")
    return "".join(out)


def cell(value, kind="String", attributes=""):
    """One Cell holding VALUE of ss:Type KIND."""
    return '<Cell%s><Data ss:Type="%s">%s</Data></Cell>' % (attributes, kind, value)


CONTACTS = workbook(("Customers", [
    [cell("Name"), cell("Mobile"), cell("Joined")],
    [cell("Asha Rao"), cell("9.19876543210E11", "Number"), cell("2024-03-01T00:00:00.000", "DateTime")],
    ("", [cell("Bob &amp; Co"), cell("+44 7911 123456")]),
    (' ss:Index="5"', [cell("Chen Wei"), cell("8613800138000", "Number", ' ss:Index="2"')]),
]), ("Notes", [[cell("nothing here")]]))
