"""Signing in and out of the web pages, and the language switch.

``GET /login`` binds its form to a random pre-session cookie (``relief_pre``);
``POST /login`` checks that binding, signs in through ``accounts.sign_in`` with the
client's address (audited and rate-limited there) and sets the session cookie.
``POST /logout`` revokes the session token. ``GET /lang/{code}`` sets ``relief_lang``
and goes back to a page of this site.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from relief.depot import accounts
from relief.errors import NotSignedIn, TooManyAttempts, UnknownAccount
from relief.web import auth, i18n
from relief.web.pages_common import csrf, form, render, safe_path, url

router = APIRouter()
SESSION_AGE = int(accounts.TOKEN_KINDS["session"].total_seconds())
YEAR = 365 * 24 * 3600


@router.get("/login", include_in_schema=False)
def login_page(request: Request) -> Response:
    """The sign-in form, bound to a fresh pre-session cookie (kept if the browser has one)."""
    return _login_form(request)


@router.post("/login", include_in_schema=False)
async def login(request: Request) -> Response:
    """Sign in: 303 to ``/`` with the session cookie set; the form again with one message
    for a wrong name or password (401) and for too many attempts (429). A missing or
    wrong CSRF token raises ``Forbidden`` (403)."""
    data = await form(request)
    return await run_in_threadpool(_login, request, data)


def _login(request: Request, data: dict) -> Response:
    auth.check_csrf(request, data.get(auth.CSRF_FIELD), cookie=auth.PRE_COOKIE)
    name = str(data.get("username") or "")
    try:
        who = accounts.sign_in(url(request), name, str(data.get("password") or ""), address=auth.address(request))
        token, _ = accounts.create_token(url(request), who.name, kind="session", actor=who.name,
                                         address=auth.address(request))
    except (NotSignedIn, UnknownAccount) as exc:
        return _login_form(request, accounts.WRONG if isinstance(exc, UnknownAccount) else str(exc), name, 401)
    except TooManyAttempts as exc:
        return _login_form(request, str(exc), name, 429)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(auth.SESSION_COOKIE, token, max_age=SESSION_AGE, path="/", httponly=True,
                        samesite="strict", secure=bool(request.app.state.secure_cookies))
    response.delete_cookie(auth.PRE_COOKIE, path="/")
    return response


@router.post("/logout", include_in_schema=False)
async def logout(request: Request) -> Response:
    """Revoke the session token and go to the sign-in page; raises ``Forbidden`` without
    the session's CSRF token."""
    data = await form(request)
    return await run_in_threadpool(_logout, request, data)


def _logout(request: Request, data: dict) -> Response:
    csrf(request, data)
    accounts.revoke(url(request), request.cookies[auth.SESSION_COOKIE])
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=bool(request.app.state.secure_cookies))
    return response


@router.get("/lang/{code}", include_in_schema=False)
def switch_language(request: Request, code: str, next: str | None = None) -> Response:
    """Set the page language (``en`` or ``zh``; anything else keeps English) and go back to
    ``next`` when it is a path of this site, else to ``/``."""
    response = RedirectResponse(safe_path(next), status_code=303)
    response.set_cookie(i18n.COOKIE, i18n.language(code), max_age=YEAR, path="/", samesite="lax",
                        secure=bool(request.app.state.secure_cookies))
    return response


def _login_form(request: Request, error: str | None = None, username: str = "", status: int = 200) -> Response:
    secret = request.cookies.get(auth.PRE_COOKIE) or auth.new_secret()
    response = render(request, "login.html", status=status, error=error, username=username,
                      login_csrf=auth.csrf_for(secret))
    if request.cookies.get(auth.PRE_COOKIE) != secret:
        response.set_cookie(auth.PRE_COOKIE, secret, max_age=3600, path="/", httponly=True, samesite="strict",
                            secure=bool(request.app.state.secure_cookies))
    return response
