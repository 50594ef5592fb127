"""What the benchmarks share: scratch databases and the ``relief`` command to run.

Imported by the scripts of this folder (``python bench/NAME.py`` puts the folder on the
import path)."""

from __future__ import annotations

import shutil
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from relief.depot import db


@contextmanager
def databases(server: str | None, tmp: str):
    """Yield ``make(name) -> url`` for empty databases: SQLite files in ``tmp``, or
    scratch databases on the PostgreSQL ``server`` that are dropped on the way out."""
    created: list[str] = []
    admin = admin_url = None
    if server is not None:
        admin_url = make_url(db.database_url(server))
        if not admin_url.database:
            admin_url = admin_url.set(database="postgres")
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    run = uuid.uuid4().hex[:10]

    def make(name: str) -> str:
        if admin is None:
            url = db.database_url(str(Path(tmp) / f"{name}.db"))
        else:
            database = f"relief_bench_{run}_{name}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{database}"'))
            url = admin_url.set(database=database).render_as_string(hide_password=False)
        created.append(url)
        return url

    try:
        yield make
    finally:
        for url in created:
            db.dispose(url)
            if admin is not None:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        if admin is not None:
            admin.dispose()


def relief_command() -> list[str]:
    """The ``relief`` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "relief"
    if script.is_file():
        return [str(script)]
    found = shutil.which("relief")
    return [found] if found else [sys.executable, "-m", "relief"]
