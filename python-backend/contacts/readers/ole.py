"""Tell what an OLE2 compound file (the container of .xls, .doc and encrypted .xlsx) holds."""

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def stream_name(name):
    """NAME as it is written in an OLE directory entry (UTF-16LE)."""
    return name.encode("utf-16-le")


# Directory entries sit in sectors anywhere in the file, so look for the names in the whole of it.
WORKBOOK_STREAMS = (stream_name("Workbook"), stream_name("Book"))
ENCRYPTED_STREAMS = (stream_name("EncryptedPackage"), stream_name("EncryptionInfo"))
OTHER_DOCUMENT_STREAMS = (stream_name("WordDocument"), stream_name("PowerPoint Document"), stream_name("__substg1.0_"),
                          stream_name("VisioDocument"), stream_name("Contents"))


def ole_kind(data):
    """'encrypted' (a password-protected xlsx), 'xls', 'other' (Word, PowerPoint, Outlook...) or None (damaged)."""
    if any(name in data for name in ENCRYPTED_STREAMS):
        return "encrypted"
    if any(name in data for name in WORKBOOK_STREAMS):
        return "xls"
    if any(name in data for name in OTHER_DOCUMENT_STREAMS):
        return "other"
    return None
