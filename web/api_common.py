"""What every part of the HTTP API shares: who is asking, the database, request bodies.

Every endpoint takes the signed-in account as ``who: User`` (the bearer token of the
request, checked by ``web.auth.api_user``; the OpenAPI page shows an Authorize button for
it). Request bodies derive from ``Body``: unknown fields are refused, and numbers must be
JSON numbers (``Whole`` a JSON integer), so ``"5"`` or ``5.0`` for a quantity is a 422
naming the field rather than a guess.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, BinaryIO

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from relief.depot import db
from relief.depot.access import Principal
from relief.web import auth, uploads

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/token", auto_error=False,
                              description="Sign in with an account name and password (POST /api/token), "
                                          "or paste a script token from `relief token create`.")


def current_user(request: Request, _token: Annotated[str | None, Depends(oauth2)] = None) -> Principal:
    """FastAPI dependency: the account of the request's bearer token (``auth.api_user``).

    Raises ``NotSignedIn`` (401) when the token is missing, unknown, expired or revoked."""
    return auth.api_user(request)


User = Annotated[Principal, Depends(current_user)]
Whole = Annotated[int, Field(strict=True)]
Number = Annotated[float, Field(strict=True)]


class Body(BaseModel):
    """Base of the request bodies: a field the endpoint does not know is refused (422)."""

    model_config = ConfigDict(extra="forbid")


def url_of(request: Request) -> str:
    """The database URL the server was made for."""
    return request.app.state.url


@contextmanager
def reading(request: Request) -> Iterator[Session]:
    """A session on the server's database for a read (``db.session``); raises ``DatabaseState``
    when the database is missing or of another schema."""
    with db.session(url_of(request)) as s:
        yield s


def read_upload(stream: BinaryIO, limit: int, what: str) -> bytes:
    """The bytes of an uploaded file, at most ``limit``; raises ``uploads.TooLarge`` (413)
    naming ``what`` and the limit when it is larger."""
    return uploads.read(stream, limit, what)


def pick(rows: list[dict], keys: tuple[str, ...]) -> list[dict]:
    """``rows`` with only ``keys``, in that order (what the matching ``--json`` prints)."""
    return [{k: r[k] for k in keys} for r in rows]
