"""Where the details of an unexpected failure go: a log file per day, never the terminal.

The folder is ``$RELIEF_LOG_DIR``, else ``$XDG_STATE_HOME/relief``, else
``~/.local/state/relief``; the file is ``relief-YYYY-MM-DD.log`` (local date), appended
to, readable only by its owner. A traceback names files and lines, and the message of a
database error its SQL statement; the engines hide the values bound to it
(``depot.db.get_engine``), so what a keeper typed stays out of the log.
"""

from __future__ import annotations

import os
import sys
import traceback
from datetime import datetime
from pathlib import Path

LOG_DIR_ENV = "RELIEF_LOG_DIR"


def log_dir() -> Path:
    """The folder the failure logs go to (see the module docstring); it may not exist yet."""
    chosen = os.environ.get(LOG_DIR_ENV, "").strip()
    if chosen:
        return Path(chosen).expanduser()
    state = os.environ.get("XDG_STATE_HOME", "").strip()
    base = Path(state).expanduser() if state and Path(state).is_absolute() else Path.home() / ".local" / "state"
    return base / "relief"


def command_name(argv: list[str]) -> str:
    """``relief`` and its command words from ``argv`` (``relief stock receive``), without
    any argument or option value, which might hold a password or a keeper's text."""
    words = ["relief"]
    for word in argv[1:3]:
        if not (word.isascii() and word.replace("-", "").isalpha()) or word.startswith("-"):
            break
        words.append(word)
    return " ".join(words)


def write(exc: BaseException, command: str) -> tuple[Path | None, str]:
    """Append the time, version, command and traceback of ``exc`` to today's log.

    Returns (the log file, "") or, when it cannot be written, (None, the reason)."""
    from relief import __version__

    now = datetime.now().astimezone()
    folder = log_dir()
    path = folder / f"relief-{now:%Y-%m-%d}.log"
    text = (f"=== {now.isoformat(timespec='seconds')} {command} (relief {__version__}, Python "
            f"{sys.version.split()[0]})\n" + "".join(traceback.format_exception(exc)) + "\n")
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(handle, "a", encoding="utf-8", errors="backslashreplace") as log:
            log.write(text)
    except OSError as error:
        return None, f"cannot write {path}: {error.strerror or error}"
    return path, ""
