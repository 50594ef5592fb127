"""A coordinator brings a team back: team status on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import select

from relief.depot import catalog, db
from relief.errors import InvalidInput
from relief.depot.models import Team


def status_of(url: str, code: str) -> str:
    with db.session(url) as s:
        return s.exec(select(Team.status).where(Team.code == code)).one()


def test_a_deployed_team_can_be_marked_ready_again(tiny_db):
    catalog.set_team_status(tiny_db, "T01", "deployed")
    assert status_of(tiny_db, "T01") == "deployed"
    row = catalog.set_team_status(tiny_db, "t01", "ready")
    assert row["status"] == "ready" and status_of(tiny_db, "T01") == "ready"


def test_an_unknown_team_or_status_is_refused_and_nothing_changes(tiny_db):
    with pytest.raises(InvalidInput, match="unknown team 'T99'"):
        catalog.set_team_status(tiny_db, "T99", "ready")
    with pytest.raises(InvalidInput, match="ready, deployed, resting"):
        catalog.set_team_status(tiny_db, "T01", "asleep")
    assert status_of(tiny_db, "T01") == "ready"
