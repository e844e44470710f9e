"""A campaign's one attachment (WhatsApp Web): stored in <data dir>/attachments/, typed by its bytes, within
WhatsApp's own limits (images 5 MB, documents 100 MB), checked when the campaign is created and started."""
import hashlib
import json
import os
import re
import tempfile

from core import errors
from core.errors import DomainError

MB = 1024 * 1024
LIMITS = {"image": 5 * MB, "document": 100 * MB}
ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
# Containers whose extension names the document (a .docx is a zip, a .doc an OLE file).
ZIP_DOCUMENTS = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                 ".odt": "application/vnd.oasis.opendocument.text",
                 ".ods": "application/vnd.oasis.opendocument.spreadsheet",
                 ".odp": "application/vnd.oasis.opendocument.presentation", ".zip": "application/zip"}
OLE_DOCUMENTS = {".doc": "application/msword", ".xls": "application/vnd.ms-excel",
                 ".ppt": "application/vnd.ms-powerpoint"}
TEXT_DOCUMENTS = {".txt": "text/plain", ".csv": "text/csv"}
KINDS_TEXT = "images (JPEG, PNG, WebP, up to 5 MB) or documents (PDF, Word, Excel, PowerPoint, OpenDocument, " \
             "text, CSV, ZIP, up to 100 MB)"


def folder(data_dir):
    """Where attachments live."""
    return os.path.join(data_dir, "attachments")


def sniff(head, file_name):
    """(kind, mime) from the first bytes and, for containers, the extension; None when not allowed."""
    ext = os.path.splitext(file_name.lower())[1]
    if head.startswith(b"\xff\xd8\xff"):
        return "image", "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image", "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image", "image/webp"
    if head.startswith(b"%PDF-"):
        return "document", "application/pdf"
    if head.startswith(b"PK\x03\x04") and ext in ZIP_DOCUMENTS:
        return "document", ZIP_DOCUMENTS[ext]
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") and ext in OLE_DOCUMENTS:
        return "document", OLE_DOCUMENTS[ext]
    if ext in TEXT_DOCUMENTS and b"\0" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as err:
            if err.start < len(head) - 4:  # a character cut at the end of the sample is still text
                return None
        return "document", TEXT_DOCUMENTS[ext]
    return None


def clean_name(file_name):
    """A file name safe to show and to send (no folders, no control characters), at most 200 characters."""
    base = os.path.basename((file_name or "").replace("\\", "/"))
    base = "".join(ch for ch in base if ch.isprintable()).strip() or "attachment"
    return base[:200]


def store(data_dir, stream, file_name):
    """Save an uploaded file; its description {id, file_name, size, mime, kind}, or a 4xx naming the problem.
    The bytes go to a temp file in the same folder first and are renamed only once accepted."""
    os.makedirs(folder(data_dir), mode=0o700, exist_ok=True)
    name = clean_name(file_name)
    digest, size, head = hashlib.sha256(), 0, b""
    fd, temp = tempfile.mkstemp(dir=folder(data_dir), prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = stream.read(MB)
                if not chunk:
                    break
                head = head if len(head) >= 4096 else (head + chunk)[:4096]
                size += len(chunk)
                if size > LIMITS["document"]:
                    raise too_large("document")
                digest.update(chunk)
                out.write(chunk)
        described = describe_new(head, name, size, digest.hexdigest()[:32])
        os.replace(temp, os.path.join(folder(data_dir), described["id"]))
        with open(os.path.join(folder(data_dir), described["id"] + ".json"), "w", encoding="utf-8") as f:
            json.dump(described, f)
        return described
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def describe_new(head, name, size, attachment_id):
    """The description of an accepted upload, or the 4xx that refuses it."""
    if size == 0:
        raise DomainError("attachment_empty", "The attachment is empty.")
    found = sniff(head, name)
    if found is None:
        raise DomainError("attachment_type", "This file type cannot be sent: send %s." % KINDS_TEXT,
                          errors.UNSUPPORTED)
    kind, mime = found
    if size > LIMITS[kind]:
        raise too_large(kind)
    return {"id": attachment_id, "file_name": name, "size": size, "mime": mime, "kind": kind}


def too_large(kind):
    """The 413 for a file over WhatsApp's limit for KIND."""
    return DomainError("attachment_too_large", "WhatsApp takes %ss of at most %d MB." % (kind, LIMITS[kind] // MB),
                       errors.TOO_LARGE)


def load(data_dir, attachment_id):
    """The stored description of ATTACHMENT_ID with its path, or a 404 / 400 attachment_missing."""
    if not isinstance(attachment_id, str) or not ID_PATTERN.match(attachment_id):
        raise DomainError("bad_param", "'attachment.id' must be the id POST /attachments returned.")
    meta = os.path.join(folder(data_dir), attachment_id + ".json")
    path = os.path.join(folder(data_dir), attachment_id)
    try:
        with open(meta, encoding="utf-8") as f:
            described = json.load(f)
    except (OSError, ValueError):
        raise DomainError("attachment_missing", "The attachment %s is not stored here (upload it again)."
                          % attachment_id, errors.NOT_FOUND) from None
    if not os.access(path, os.R_OK):
        raise DomainError("attachment_missing", "The attachment file %s is gone or unreadable; upload it again."
                          % described["file_name"])
    return dict(described, path=path)


def check_for_channel(data_dir, options, channel_class):
    """Refuse a campaign's attachment its channel type cannot send, or one that is gone."""
    attachment = options.get("attachment")
    if attachment is None:
        return
    if not isinstance(attachment, dict) or set(attachment) != {"id"}:
        raise DomainError("bad_param", "'attachment' must be {\"id\": ...} from POST /attachments.")
    described = load(data_dir, attachment["id"])
    if described["kind"] not in channel_class.ATTACHMENTS:
        raise DomainError("attachment_unsupported", "This channel cannot send attachments (%ss); WhatsApp (linked "
                          "device) can." % described["kind"])
