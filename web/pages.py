"""The web pages: one router over the page modules.

``pages_auth`` (sign in and out, language), ``pages_books`` (dashboard, stock cards),
``pages_stock`` (the keeper's forms and imports), ``pages_dispatch`` (incidents, map,
plans, pick lists) and ``pages_drills``. Every page is server-rendered from
``templates/``; its scripts and styles are files under ``static/`` (the
Content-Security-Policy allows nothing inline).
"""

from __future__ import annotations

from fastapi import APIRouter

from relief.web import pages_auth, pages_books, pages_dispatch, pages_drills, pages_stock

router = APIRouter()
for _module in (pages_auth, pages_books, pages_stock, pages_dispatch, pages_drills):
    router.include_router(_module.router)
