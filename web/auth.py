"""Who is asking: bearer tokens for the API, a session cookie and CSRF tokens for the pages.

The API takes ``Authorization: Bearer <token>`` (a script token from ``relief token
create`` or one from ``POST /api/token``). The pages keep a session token in an HttpOnly,
SameSite=Strict cookie (Secure when the server is told it runs behind TLS). A form's CSRF
token is derived from the session token (SHA-256 of a fixed prefix and the token), so the
server stores nothing more and a page of another site, which cannot read the cookie,
cannot forge it. Before sign-in, the login form is bound the same way to a random
pre-session cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

from relief.depot import accounts
from relief.depot.access import Principal
from relief.errors import Forbidden, NotSignedIn

SESSION_COOKIE = "relief_session"
PRE_COOKIE = "relief_pre"
CSRF_FIELD = "csrf_token"


def address(request: Request) -> str:
    """The client's address as the server sees it."""
    return request.client.host if request.client else ""


def bearer(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, or None."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def api_user(request: Request) -> Principal:
    """FastAPI dependency: the account of the request's bearer token. Raises ``NotSignedIn``."""
    who = accounts.principal(request.app.state.url, bearer(request), kinds=("script", "bearer"))
    return Principal(who.name, who.role, who.depots, who.leagues, address(request))


def page_user(request: Request) -> Principal:
    """The account of the request's session cookie. Raises ``NotSignedIn``."""
    who = accounts.principal(request.app.state.url, request.cookies.get(SESSION_COOKIE), kinds=("session",))
    return Principal(who.name, who.role, who.depots, who.leagues, address(request))


def csrf_for(secret: str) -> str:
    """The CSRF token of a session (or pre-session) token."""
    return hashlib.sha256(("relief csrf:" + secret).encode("utf-8")).hexdigest()


def new_secret() -> str:
    """A fresh random pre-session token for the login form."""
    return secrets.token_urlsafe(32)


def check_csrf(request: Request, given: object, *, cookie: str = SESSION_COOKIE) -> None:
    """Raise ``Forbidden`` unless ``given`` is the CSRF token of the request's ``cookie``."""
    secret = request.cookies.get(cookie)
    if not secret or not isinstance(given, str) or not hmac.compare_digest(csrf_for(secret), given):
        raise Forbidden("the form has expired or did not come from this site (CSRF token missing or wrong); "
                        "reload the page and try again")


def require_signed_in(who: Principal | None) -> Principal:
    """``who``, or ``NotSignedIn`` when None."""
    if who is None:
        raise NotSignedIn("sign in first")
    return who
