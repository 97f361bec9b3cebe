"""Uploads every plugin accepts the same way: the kind is read from the content (a «.pdf» that is an
executable is refused), the size is bounded, the name is made safe, and the bytes are stored once per
school by their SHA-256, so a file attached in five places costs one copy.

Plugins call ``check_upload`` (raises ``UploadRefused``, a ``ServiceError`` with a Russian message), then
``store_file``; ``load_file`` reads a file back only within its school and ``file_response`` serves it with
headers that stop a browser from guessing another type.
"""
from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from flask import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models.files import StoredFile
from core.service_error import N_, ServiceError

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
TEXT = "text/plain"

IMAGES = frozenset({PNG, JPEG, GIF, WEBP})
DOCUMENTS = frozenset({PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP, TEXT})
DOCUMENTS_AND_IMAGES = DOCUMENTS | IMAGES

# What a person calls each kind in a refusal, and the file name endings that fit it.
KIND_NAMES = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG", GIF: "GIF", WEBP: "WebP", DOCX: "DOCX", XLSX: "XLSX",
              PPTX: "PPTX", ODT: "ODT", ODS: "ODS", ODP: "ODP", TEXT: "TXT"}
EXTENSIONS = {PDF: {"pdf"}, PNG: {"png"}, JPEG: {"jpg", "jpeg", "jpe"}, GIF: {"gif"}, WEBP: {"webp"},
              DOCX: {"docx"}, XLSX: {"xlsx"}, PPTX: {"pptx"}, ODT: {"odt"}, ODS: {"ods"}, ODP: {"odp"},
              TEXT: {"txt"}}
_OOXML = {"word/": DOCX, "xl/": XLSX, "ppt/": PPTX}
_ODF = {b"application/vnd.oasis.opendocument.text": ODT, b"application/vnd.oasis.opendocument.spreadsheet": ODS,
        b"application/vnd.oasis.opendocument.presentation": ODP}


class UploadRefused(ServiceError):
    """An upload that is empty, too large, of a kind not allowed here, or not what its name says."""

    status = 422
    code = "upload_refused"


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed: its real kind, size, checksum and a name safe to store and to send."""

    data: bytes
    content_type: str
    size: int
    sha256: str
    filename: str


def _zip_kind(data: bytes) -> str | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        if "mimetype" in names:
            return _ODF.get(archive.read("mimetype").strip())
        if "[Content_Types].xml" in names:
            for prefix, kind in _OOXML.items():
                if any(n.startswith(prefix) for n in names):
                    return kind
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None
    return None


def _is_text(data: bytes) -> bool:
    if b"\x00" in data[:8192]:
        return False
    for encoding in ("utf-8", "cp1251"):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def sniff(data: bytes) -> str | None:
    """The kind of a file read from its first bytes (and, for office documents, the archive's parts)."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if _is_text(data):
        return TEXT
    return None


def safe_filename(name: str | None, content_type: str) -> str:
    """The name without folders or control characters, Cyrillic kept, with an ending that fits the kind."""
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    base = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]+", "", base).strip(" .") or "file"
    stem, dot, ext = base.rpartition(".")
    if not dot or ext.lower() not in EXTENSIONS.get(content_type, set()):
        stem = base if not dot else stem
        base = f"{stem}.{sorted(EXTENSIONS.get(content_type, {'bin'}))[0]}"
    return base[-200:]


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} МБ".replace(".", ",")
    return f"{max(1, round(size / 1024))} КБ"


def check_upload(data: bytes, filename: str | None, *, allowed: Iterable[str], max_bytes: int) -> CheckedUpload:
    """The upload if its content is one of ``allowed`` kinds and at most ``max_bytes``; else ``UploadRefused``.

    The name's ending must agree with the content (a picture renamed «.pdf» is refused), so what a user
    downloads later is what its name promises.
    """
    allowed = frozenset(allowed)
    kinds = ", ".join(sorted(KIND_NAMES[k] for k in allowed))
    if not data:
        raise UploadRefused(N_("The file is empty."), field="file")
    if len(data) > max_bytes:
        raise UploadRefused(N_("The file is too large: %(size)s; at most %(limit)s."), field="file",
                            size=_size_text(len(data)), limit=_size_text(max_bytes))
    kind = sniff(data)
    if kind not in allowed:
        raise UploadRefused(N_("The file's content is not one of the allowed kinds (%(kinds)s)."), field="file",
                            kinds=kinds)
    ext = (filename or "").rpartition(".")[2].lower() if "." in (filename or "") else ""
    if ext and ext not in EXTENSIONS[kind]:
        raise UploadRefused(N_("The file is named “.%(ext)s” but its content is %(kind)s: check the file."),
                            field="file", ext=ext, kind=KIND_NAMES[kind])
    return CheckedUpload(data, kind, len(data), hashlib.sha256(data).hexdigest(), safe_filename(filename, kind))


def store_file(session: Session, school_id: int, upload: CheckedUpload) -> StoredFile:
    """The school's stored copy of these bytes, added if it is new (same content → same row)."""
    found = session.scalar(select(StoredFile).where(StoredFile.school_id == school_id,
                                                    StoredFile.sha256 == upload.sha256))
    if found is not None:
        return found
    stored = StoredFile(school_id=school_id, sha256=upload.sha256, size=upload.size,
                        content_type=upload.content_type, data=upload.data)
    session.add(stored)
    session.flush()
    return stored


def load_file(session: Session, school_id: int, file_id: int) -> StoredFile | None:
    """A stored file of this school, or None (another school's id reads as missing)."""
    if not isinstance(file_id, int) or not 0 < file_id < 2**63:
        return None
    return session.scalar(select(StoredFile).where(StoredFile.id == file_id, StoredFile.school_id == school_id))


def file_response(stored: StoredFile, filename: str, *, inline: bool = False) -> Response:
    """The file as a download (or shown in the browser for PDFs and pictures when ``inline``), with a
    Cyrillic-safe name and headers that forbid type guessing and caching of personal documents."""
    shown = inline and stored.content_type in IMAGES | {PDF}
    ascii_name = filename.encode("ascii", "ignore").decode() or "file"
    disposition = (f"{'inline' if shown else 'attachment'}; filename=\"{ascii_name}\"; "
                   f"filename*=UTF-8''{quote(filename)}")
    response = Response(stored.data, mimetype=stored.content_type)
    response.headers["Content-Disposition"] = disposition
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "sandbox"
    return response
