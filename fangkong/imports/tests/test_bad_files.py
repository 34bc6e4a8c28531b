"""Every kind of unusable file gets a clear message and leaves no job and no persons behind."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from fangkong.imports import readers, services
from fangkong.imports.models import ImportJob
from fangkong.imports.readers import ImportFileError
from fangkong.imports.tests.files import (
    POPULATION_HEADERS,
    media_in_tmp,  # noqa: F401
    population_rows,
    write_csv,
    write_xlsx,
)
from fangkong.people.models import Person


def refused(world: Any, path: Path) -> str:
    persons = Person.objects.count()
    with pytest.raises(ImportFileError) as info:
        services.create_job(actor=world.hq, upload=path, kind="population", target_place=world.A.community)
    assert ImportJob.objects.count() == 0
    assert Person.objects.count() == persons
    return info.value.message


def test_empty_csv_is_refused(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert "empty" in refused(world, path)


def test_csv_with_only_blank_lines_is_refused(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_bytes(b"\r\n\r\n")
    assert "no rows" in refused(world, path)


def test_zero_byte_xlsx_is_refused(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "zero.xlsx"
    path.write_bytes(b"")
    assert "empty" in refused(world, path)


def test_renamed_exe_is_refused(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"MZ\x90\x00" + b"\x00" * 500)
    assert "not a spreadsheet" in refused(world, path)


def test_binary_file_named_csv_is_refused(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(b"MZ\x90\x00" + b"\x00" * 500)
    assert "binary" in refused(world, path)


def test_unknown_extension_is_refused(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "roster.exe"
    path.write_bytes(b"abc")
    assert ".exe" in refused(world, path)


def test_plain_zip_named_xlsx_is_refused(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "not an Excel workbook" in refused(world, path)


def test_zip_bomb_is_refused_before_it_is_unpacked(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            block = b"\x00" * (1024 * 1024)
            for _ in range(60):
                member.write(block)
    assert path.stat().st_size < 1024 * 1024
    assert "zip bomb" in refused(world, path)


def test_password_protected_xlsx_is_refused(world: Any, tmp_path: Path) -> None:
    # An encrypted .xlsx is an OLE2 compound file holding EncryptionInfo and EncryptedPackage.
    path = tmp_path / "secret.xlsx"
    path.write_bytes(readers.OLE2_MAGIC + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 2000)
    assert "password-protected" in refused(world, path)


def test_xls_that_cannot_be_opened_is_reported_as_protected(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "secret.xls"
    path.write_bytes(readers.OLE2_MAGIC + b"\x00" * 4000)
    assert "password-protected" in refused(world, path)


def test_file_over_the_size_limit_is_refused(world: Any, tmp_path: Path, settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 1000
    path = write_csv(tmp_path / "big.csv", [POPULATION_HEADERS, *population_rows(50)])
    assert "larger than" in refused(world, path)


def test_wrong_encoding_is_refused(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    # Bytes that are neither valid UTF-8 nor valid GB18030.
    path.write_bytes("姓名,身份证号\n".encode() + b"\x80\x80\xff\xfe\n")
    assert "encoding" in refused(world, path)


def test_too_many_rows_is_refused(world: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(readers, "MAX_ROWS", 10)
    path = write_xlsx(tmp_path / "long.xlsx", [POPULATION_HEADERS, *population_rows(10)])
    assert "more than 10 rows" in refused(world, path)


def test_too_many_csv_rows_is_refused(world: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(readers, "MAX_ROWS", 10)
    path = write_csv(tmp_path / "long.csv", [POPULATION_HEADERS, *population_rows(10)])
    assert "more than 10 rows" in refused(world, path)


def test_workbook_without_rows_is_refused(world: Any, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "blank.xlsx", [])
    assert "no rows" in refused(world, path)


def test_uploaded_file_object_is_accepted(world: Any, tmp_path: Path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = io.BytesIO()
    write_csv(tmp_path / "ok.csv", [POPULATION_HEADERS, *population_rows(1)])
    data.write((tmp_path / "ok.csv").read_bytes())
    upload = SimpleUploadedFile("ok.csv", data.getvalue(), content_type="text/csv")
    job = services.create_job(actor=world.hq, upload=upload, kind="population", target_place=world.A.community)
    assert job.original_name == "ok.csv"
    assert job.rows_total == 2
