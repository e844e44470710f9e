"""Write OpenDocument spreadsheets as LibreOffice does (mimetype first and stored, content.xml, a manifest, the
empty rest of each sheet as repeated rows and cells), so the tests need no ODF library."""
import zipfile
from xml.sax.saxutils import escape, quoteattr

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
NAMESPACES = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
              'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
              'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"')
MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type="%s"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            '</manifest:manifest>' % MIMETYPE)


def cell_xml(cell):
    """One table-cell: a str is text; ('float', '9876543210'), ('date', '2024-03-01') and the like are typed
    values shown as the spreadsheet would; ('repeat', n) is n empty cells; ('raw', xml) is written as it is."""
    if isinstance(cell, tuple):
        kind, value = cell
        if kind == "repeat":
            return '<table:table-cell table:number-columns-repeated="%d"/>' % value
        if kind == "raw":
            return value
        attribute = {"float": "value", "date": "date-value", "time": "time-value", "boolean": "boolean-value",
                     "currency": "value", "percentage": "value"}[kind]
        return ('<table:table-cell office:value-type="%s" office:%s=%s><text:p>%s</text:p></table:table-cell>'
                % (kind, attribute, quoteattr(value), escape(shown(kind, value))))
    if cell == "":
        return "<table:table-cell/>"
    paragraphs = "".join("<text:p>%s</text:p>" % escape(line) for line in cell.split("\n"))
    return '<table:table-cell office:value-type="string">%s</table:table-cell>' % paragraphs


def shown(kind, value):
    """What the cell displays (deliberately not the value: a long number shows in scientific notation)."""
    if kind == "float" and len(value) > 9:
        return "%.2E" % float(value)
    return value


def content_xml(sheets, trailing_rows=1048000, trailing_cells=1000):
    """content.xml for SHEETS {name: rows}; each sheet ends as LibreOffice ends them, with its empty rest as
    repeated rows and cells."""
    tables = []
    for name, rows in sheets.items():
        body = []
        for row in rows:
            if isinstance(row, tuple) and row[0] == "repeat-row":
                _, count, cells = row
                body.append('<table:table-row table:number-rows-repeated="%d">%s</table:table-row>'
                            % (count, "".join(cell_xml(c) for c in cells)))
                continue
            cells = "".join(cell_xml(c) for c in row)
            body.append("<table:table-row>%s%s</table:table-row>"
                        % (cells, '<table:table-cell table:number-columns-repeated="%d"/>' % trailing_cells))
        body.append('<table:table-row table:number-rows-repeated="%d"><table:table-cell '
                    'table:number-columns-repeated="%d"/></table:table-row>' % (trailing_rows, trailing_cells))
        tables.append('<table:table table:name=%s><table:table-column table:number-columns-repeated="1024"/>%s'
                      '</table:table>' % (quoteattr(name), "".join(body)))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content %s><office:body><office:spreadsheet>'
            '%s</office:spreadsheet></office:body></office:document-content>' % (NAMESPACES, "".join(tables)))


def write_ods(path, sheets, content=None, **options):
    """Write an .ods of SHEETS ({name: rows}) at PATH (CONTENT: a content.xml to use instead)."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE)  # first and stored, as ODF requires
        archive.writestr("content.xml", content or content_xml(sheets, **options), compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
    return path
