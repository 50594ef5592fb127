"""The HTTP API (JSON), mounted under ``/api``."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api")
