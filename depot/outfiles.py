"""Writing output files: never over an existing file unless asked, never half a file.

Every command that writes files (stock export, plan exports and folders, drill reports)
first claims (``claim``) every path it will write: when one exists already and the caller did not
pass ``force``, ``Refused`` is raised (``option="force"``) and nothing is written. Each
file is then written through ``atomic``: under a temporary name beside it, renamed over
the real name only once complete, so an interrupted export never leaves a partial file
under the real name.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from relief.errors import Refused


def claim(paths: Iterable[str | Path], *, force: bool = False) -> list[Path]:
    """Return ``paths`` as paths when none of them exists, or when ``force``.

    Raises ``Refused`` (``option="force"``) naming every path that already exists.
    """
    paths = [Path(p) for p in paths]
    taken = [p for p in paths if p.exists()]
    if taken and not force:
        if len(taken) == 1:
            raise Refused(f"{taken[0]} already exists; nothing was written", option="force")
        raise Refused(f"{len(taken)} files already exist ({', '.join(str(p) for p in taken)}); "
                      "nothing was written", option="force")
    return paths


@contextmanager
def atomic(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (with the same suffix) to write the file to;
    when the block ends without an error it is flushed to disk and renamed to ``path``
    (replacing any file there), otherwise it is removed and the error goes on."""
    path = Path(path)
    partial = path.with_name(f".{path.stem}.{os.getpid()}.partial{path.suffix}")
    try:
        yield partial
        with open(partial, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
