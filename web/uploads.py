"""Uploaded files: checked, then kept in a temporary folder under a name of the server's own.

The name the client sent never reaches the file system: the file is written as
``upload.csv`` (or ``.xlsx``, ``.toml``) in a fresh temporary folder, deleted afterwards.
The client's name is kept only as text, checked like any other (its last part, printable,
at most ``MAX_NAME`` characters), for messages and for the numbers of imported documents
that give none (``sheets.read_documents``): the same file uploaded twice is recorded once,
while another file with the same rows is a new document, exactly as ``relief stock import``.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from relief.depot import text
from relief.errors import InvalidInput

MAX_NAME = 100


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
    and removes the folder afterwards."""
    with tempfile.TemporaryDirectory(prefix="relief-upload-") as folder:
        path = Path(folder) / f"upload{extension}"
        path.write_bytes(data)
        yield path
