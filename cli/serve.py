"""``relief serve``: run the server (HTTP API and web pages) over a database."""

from __future__ import annotations

import os
from relief.cli.common import err, url
from relief.errors import InvalidInput

URL_VARIABLE = "RELIEF_SERVE_URL"  # how worker processes learn the database


def serve(host: str, port: int, workers: int, behind_tls: bool, db_: str | None) -> None:
    """Serve the HTTP API and the web pages over the database ``db_`` (``--db``) on
    ``host``:``port`` with ``workers`` processes until interrupted. Raises ``InvalidInput``
    for a port or worker count out of range and the database errors of
    ``db.session`` (no database, schema out of date) before anything listens."""
    import uvicorn

    from relief.depot import accounts, db

    if not 1 <= port <= 65535:
        raise InvalidInput(f"port must be a whole number from 1 to 65535; got {port}", option="port")
    if not 1 <= workers <= 64:
        raise InvalidInput(f"workers must be a whole number from 1 to 64; got {workers}", option="workers")
    target = url(db_)
    if not accounts.listing(target):  # also refuses a database without the current schema
        err.print("note: the database has no accounts yet; add one with `relief user add NAME --role admin`",
                  markup=False)
    os.environ[URL_VARIABLE] = target
    os.environ["RELIEF_SECURE_COOKIES"] = "1" if behind_tls else ""
    err.print(f"serving {db.describe(target)} on http://{host}:{port} (API documentation at /docs); "
              "Ctrl+C stops", markup=False, soft_wrap=True)
    uvicorn.run("relief.web.app:from_environment", factory=True, host=host, port=port, workers=workers,
                log_level="warning", server_header=False, proxy_headers=behind_tls)
