"""The one place where the server turns errors into responses.

A relief error becomes a status and one message: 401 not signed in, 403 outside the
account's role or scope, 404 an unknown record addressed by the path, 409 a refusal of
the books (not enough stock, stale plan, document reused with other content), 422 bad
input (the message names the value and what is allowed), 429 too many sign-ins, 503 the
database unusable. The API answers JSON ``{"detail": message, "problems": [...]}``; a web
page gets the same message in the page (``pages`` renders its own form errors).
Anything unexpected is logged with its traceback, never shown, and answered 500.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from relief.errors import (DatabaseState, Forbidden, InvalidInput, NotSignedIn, ReliefError, TooManyAttempts,
                           UnknownIncident, UnknownPlan)

log = logging.getLogger("relief.web")
NOT_FOUND = (UnknownPlan, UnknownIncident)


def status_of(error: ReliefError, *, in_path: bool = False) -> int:
    """The HTTP status for ``error``; ``in_path`` when the unknown record was named by the
    URL path (404) rather than by a field of the request (422)."""
    if isinstance(error, NotSignedIn):
        return 401
    if isinstance(error, Forbidden):
        return 403
    if isinstance(error, TooManyAttempts):
        return 429
    if in_path and isinstance(error, NOT_FOUND):
        return 404
    if isinstance(error, InvalidInput):
        return 422
    if isinstance(error, DatabaseState):
        return 503
    return 409


def body(error: ReliefError) -> dict:
    """The JSON body for ``error``: its message, and its problems as (where, field, message)."""
    problems = [{"where": p.where, "field": p.field, "message": p.message}
                for p in getattr(error, "problems", [])]
    out = {"detail": str(error)}
    if getattr(error, "field", None) or getattr(error, "option", None):
        out["field"] = error.field or error.option
    if problems:
        out["problems"] = problems
    return out


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(ReliefError)
    async def relief_error(request: Request, exc: ReliefError):
        status = status_of(exc, in_path=bool(request.path_params))
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(body(exc), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        problems = [{"where": ".".join(str(x) for x in e.get("loc", ())), "field": str(e.get("loc", ("",))[-1]),
                     "message": e.get("msg", "")} for e in exc.errors()]
        first = problems[0] if problems else {"where": "", "message": "invalid request"}
        return JSONResponse({"detail": f"{first['where']}: {first['message']}", "problems": problems},
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": f"unexpected server error ({type(exc).__name__}); see the server log"},
                            status_code=500)
