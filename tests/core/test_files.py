"""Uploads as every plugin takes them: kind read from the content, size bounded, stored once per school."""
from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from flask import Flask

from core.models import School
from core.toolkit import (
    DOCUMENTS,
    DOCUMENTS_AND_IMAGES,
    IMAGES,
    UploadRefused,
    check_upload,
    file_response,
    load_file,
    sniff,
    store_file,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_the_kind_comes_from_the_content() -> None:
    assert sniff(PDF) == "application/pdf"
    assert sniff(PNG) == "image/png"
    assert sniff(_docx()).endswith("wordprocessingml.document")
    assert sniff("Задание: решить №5".encode("cp1251")) == "text/plain"
    assert sniff(EXE) is None


def test_a_pdf_passes_with_a_safe_name() -> None:
    upload = check_upload(PDF, "../../Диплом олимпиады.pdf", allowed=DOCUMENTS, max_bytes=1024)
    assert (upload.content_type, upload.size, upload.filename) == ("application/pdf", len(PDF), "Диплом олимпиады.pdf")


@pytest.mark.parametrize(("data", "name", "allowed", "limit", "message"), [
    (EXE, "diploma.pdf", DOCUMENTS_AND_IMAGES, 10_000, "По содержимому файл не относится к разрешённым видам"),
    (PNG, "diploma.pdf", DOCUMENTS_AND_IMAGES, 10_000, "Файл назван «.pdf», а по содержимому это PNG"),
    (PDF, "photo.pdf", IMAGES, 10_000, "(GIF, JPEG, PNG, WebP)"),
    (PDF * 100, "big.pdf", DOCUMENTS, 1024, "Файл слишком большой: 4 КБ; можно не больше 1 КБ."),
    (b"", "empty.pdf", DOCUMENTS, 1024, "Файл пуст."),
])
def test_disguised_oversized_and_empty_files_are_refused_in_russian(
        app: Flask, data: bytes, name: str, allowed: Any, limit: int, message: str) -> None:
    with app.test_request_context(headers={"Accept-Language": "ru"}), pytest.raises(UploadRefused) as refused:
        check_upload(data, name, allowed=allowed, max_bytes=limit)
    assert message in refused.value.translated()
    assert (refused.value.status, refused.value.field) == (422, "file")


def test_the_same_bytes_are_stored_once_and_only_read_within_their_school(session: Any, demo_school: dict) -> None:
    school_id = demo_school["school_id"]
    first = store_file(session, school_id, check_upload(PDF, "a.pdf", allowed=DOCUMENTS, max_bytes=1024))
    again = store_file(session, school_id, check_upload(PDF, "b.pdf", allowed=DOCUMENTS, max_bytes=1024))
    assert first.id == again.id
    other = School(name="Школа № 2", short_name="Школа 2", timezone="Asia/Yekaterinburg")
    session.add(other)
    session.flush()
    assert load_file(session, other.id, first.id) is None
    assert load_file(session, school_id, 2**64) is None
    assert load_file(session, school_id, first.id).data == PDF


def test_a_stored_file_is_served_as_its_kind_with_a_cyrillic_name(session: Any, demo_school: dict, app: Flask) -> None:
    stored = store_file(session, demo_school["school_id"], check_upload(PNG, "x.png", allowed=IMAGES, max_bytes=1024))
    with app.test_request_context():
        response = file_response(stored, "Грамота.png", inline=True)
    assert response.mimetype == "image/png" and response.get_data() == PNG
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert "filename*=UTF-8''%D0%93%D1%80%D0%B0%D0%BC%D0%BE%D1%82%D0%B0.png" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
