"""Uploaded files: checked, then kept in a temporary folder under a name of the server's own.

The name the client sent never reaches the file system: the file is written as
``upload.csv`` (or ``.xlsx``, ``.toml``) in a fresh temporary folder, deleted afterwards.
The client's name is kept only as text, checked like any other (its last part, printable,
at most ``MAX_NAME`` characters), for messages and for the numbers of imported documents
that give none (``sheets.read_documents``): the same file uploaded twice is recorded once,
while another file with the same rows is a new document, exactly as ``relief stock import``.
A file above its limit, or an XLSX workbook (a zip archive) whose parts unpack to more
than ``MAX_UNPACKED`` bytes, is refused with ``TooLarge`` (413) before anything parses it.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from relief.depot import text
from relief.errors import InvalidFile, InvalidInput

MAX_NAME = 100
MAX_UNPACKED = 64 * 1024 * 1024  # what the parts of an uploaded XLSX workbook may unpack to


class TooLarge(InvalidFile):
    """An uploaded file, or what it unpacks to, is above the server's limit (HTTP 413)."""


def read(stream: BinaryIO, limit: int, what: str) -> bytes:
    """The bytes of an uploaded file, at most ``limit``; raises ``TooLarge`` (field ``file``)
    naming ``what`` and the limit when it is larger."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"{what} is larger than {_size(limit)} (the most the server accepts)", field="file")
    return data


def client_name(filename: str | None, fallback: str) -> str:
    """The last part of the client's file name as checked text (``fallback`` when none was
    sent). Raises ``InvalidInput`` (field ``file``) for control characters."""
    last = re.split(r"[\\/]", str(filename or ""))[-1].strip()
    last = text.name(last, "file name", field="file", limit=10_000)[:MAX_NAME].strip()
    return last or fallback


def suffix(filename: str | None, allowed: tuple[str, ...]) -> str:
    """The extension of the client's file name, lower-cased, if it is one of ``allowed``;
    raises ``InvalidInput`` (field ``file``) naming what was sent and what is allowed."""
    found = Path(re.split(r"[\\/]", str(filename or ""))[-1]).suffix.lower()
    if found not in allowed:
        got = f"a {found} file" if found else "a file without an extension"
        raise InvalidInput(f"file must be {' or '.join(allowed)}; got {got}", field="file")
    return found


@contextmanager
def saved(data: bytes, extension: str) -> Iterator[Path]:
    """Write ``data`` to ``upload<extension>`` in a fresh temporary folder; yields its path
    and removes the folder afterwards. Raises ``TooLarge`` for an XLSX workbook whose
    parts unpack to more than ``MAX_UNPACKED`` bytes (a damaged one is left for the
    reader to report)."""
    if extension == ".xlsx":
        _check_unpacked(data)
    with tempfile.TemporaryDirectory(prefix="relief-upload-") as folder:
        path = Path(folder) / f"upload{extension}"
        path.write_bytes(data)
        yield path


def _check_unpacked(data: bytes) -> None:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            unpacked = sum(part.file_size for part in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    # a part's stated size is what reading it yields at most: zipfile stops there (and fails its check)
    if unpacked > MAX_UNPACKED:
        raise TooLarge(f"the workbook unpacks to {_size(unpacked)}, more than the {_size(MAX_UNPACKED)} the server "
                       "reads; split it, or save it as CSV", field="file")


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f} MB" if n >= 1024 * 1024 else f"{n // 1024:,} KB"
