"""Odd incident files are refused with one clear error and nothing recorded; a team's
status change waits for a plan commit on PostgreSQL instead of overwriting it."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from relief.depot import catalog, db
from relief.errors import InvalidFile
from relief.depot.models import Team
from relief.routing.dispatch import incidents
from tests.conftest import load_tiny


def geojson(path: Path, data) -> Path:
    """Write ``data`` as JSON to ``path`` and return the path."""
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def point(coordinates, name: str = "甲区 hail") -> dict:
    """A GeoJSON Point feature with the given coordinates."""
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": coordinates}, "properties": {"name": name}}


# incident files

def test_an_incident_csv_that_is_not_utf8_is_refused_asking_for_csv_utf8(tiny_sqlite, today, tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_bytes("name,lon,lat\n甲区 hail,110.5,40.5\n".encode("gbk"))
    with pytest.raises(InvalidFile, match="^incidents.csv is not UTF-8 text; save it as CSV UTF-8$"):
        incidents.import_file(tiny_sqlite, str(path), today=today)
    assert incidents.listing(tiny_sqlite) == []


@pytest.mark.parametrize("data", [{"type": "FeatureCollection"}, {"features": 5}, [point([110.5, 40.5])]],
                         ids=["no features", "features not a list", "a bare list"])
def test_a_geojson_file_without_a_features_list_is_refused(tiny_sqlite, today, tmp_path, data):
    path = geojson(tmp_path / "incidents.geojson", data)
    with pytest.raises(InvalidFile, match='^incidents.geojson is not a GeoJSON FeatureCollection: it needs a "features" list$'):
        incidents.import_file(tiny_sqlite, str(path), today=today)


@pytest.mark.parametrize("bad", [1, "point", {"type": "Feature", "properties": [1]},
                                 {"type": "Feature", "geometry": 5}],
                         ids=["a number", "text", "properties a list", "geometry a number"])
def test_a_feature_that_is_not_an_object_is_refused_naming_its_number(tiny_sqlite, today, tmp_path, bad):
    path = geojson(tmp_path / "incidents.geojson", {"type": "FeatureCollection", "features": [point([110.5, 40.5]), bad]})
    with pytest.raises(InvalidFile, match="^incidents.geojson: feature 2 must be a GeoJSON Feature object"):
        incidents.import_file(tiny_sqlite, str(path), today=today)
    assert incidents.listing(tiny_sqlite) == []


@pytest.mark.parametrize("coordinates, problem", [
    ([110.5], "latitude must be a number between -90 and 90 degrees, got None"),
    ([], "longitude must be a number between -180 and 180 degrees, got None"),
    (110.5, "longitude must be a number between -180 and 180 degrees, got None"),
    ({"lon": 110.5, "lat": 40.5}, "longitude must be a number between -180 and 180 degrees, got None"),
    (["east", "north"], "longitude must be a number between -180 and 180 degrees, got 'east'"),
], ids=["one coordinate", "none", "a number", "an object", "words"])
def test_a_point_without_two_numeric_coordinates_is_a_bad_row_and_nothing_is_recorded(
        tiny_sqlite, today, tmp_path, coordinates, problem):
    path = geojson(tmp_path / "incidents.geojson",
                   {"type": "FeatureCollection", "features": [point([110.5, 40.5]), point(coordinates, "bad")]})
    with pytest.raises(InvalidFile, match=r"^1 bad incident row\(s\); nothing was recorded$") as caught:
        incidents.import_file(tiny_sqlite, str(path), today=today)
    assert [str(p) for p in caught.value.problems] == [f"feature 2: {problem}"]
    assert caught.value.problems[0].where == "feature 2"
    assert incidents.listing(tiny_sqlite) == []


def test_a_folder_named_like_a_geojson_file_is_refused(tiny_sqlite, today, tmp_path):
    (tmp_path / "incidents.geojson").mkdir()
    with pytest.raises(InvalidFile, match="^incidents.geojson is a folder; give the path of a .csv or .geojson file$"):
        incidents.import_file(tiny_sqlite, str(tmp_path / "incidents.geojson"), today=today)


def test_an_unreadable_geojson_file_is_refused(tiny_sqlite, today, tmp_path, monkeypatch):
    path = geojson(tmp_path / "incidents.geojson", {"type": "FeatureCollection", "features": []})

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", denied)
    with pytest.raises(InvalidFile, match="^cannot read incidents.geojson: Permission denied$"):
        incidents.import_file(tiny_sqlite, str(path), today=today)


# team status

@pytest.mark.slow
@pytest.mark.postgres
def test_a_team_status_change_waits_for_a_concurrent_commit_and_is_not_lost(postgres_url):
    url = load_tiny(postgres_url)
    catalog.set_team_status(url, "T01", "deployed")
    done: dict = {}
    with db.get_engine(url).connect() as other:
        other.execute(text("UPDATE team SET status = 'ready' WHERE code = 'T01'"))  # a plan cancel, not yet committed
        worker = threading.Thread(target=lambda: done.update(row=catalog.set_team_status(url, "T01", "deployed")))
        worker.start()
        worker.join(timeout=1.0)
        assert worker.is_alive(), "the status change did not wait for the open transaction on the team"
        other.commit()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert done["row"]["status"] == "deployed"
    with db.session(url) as s:
        assert s.exec(select(Team.status).where(Team.code == "T01")).one() == "deployed"
