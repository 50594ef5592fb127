"""The server's idea of today."""

from __future__ import annotations

import os
from datetime import date

from relief.depot.rules import parse_date


def today() -> date:
    """Today's date, or ``$RELIEF_TODAY`` (YYYY-MM-DD) when set, e.g. for an exercise.

    Raises ``InvalidDate`` naming a malformed ``RELIEF_TODAY``."""
    value = os.environ.get("RELIEF_TODAY")
    return parse_date(value, "RELIEF_TODAY") if value else date.today()
