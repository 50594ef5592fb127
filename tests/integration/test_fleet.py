"""A region's fleet: stored by ``relief init`` so a shared database plans with it, checked
on the way in, and replaced for one plan by a fleet file."""

from __future__ import annotations

import shutil

import pytest
from relief.depot import db, region
from relief.depot.fleet import FleetEntry
from relief.errors import InvalidFile, InvalidFleet
from relief.routing import books

FLEET = "depot,vehicle,owned,hire,hire_hours\nR99,T20,2,4,3\nR99,T5,1,0,\nC990102,T5,1,2,1.5\n"


@pytest.fixture
def tiny_with_fleet(tmp_path, tiny_region):
    """A copy of the tiny region with a fleet.csv for two of its three depots."""
    folder = tmp_path / "tiny-fleet"
    shutil.copytree(tiny_region, folder)
    (folder / "fleet.csv").write_text(FLEET, encoding="utf-8")
    return folder


def test_init_stores_the_fleet_so_plans_read_it_without_the_region_folder(db_url, today, tiny_with_fleet):
    region.init(db_url, str(tiny_with_fleet), sample_stock=False, today=today)
    shutil.rmtree(tiny_with_fleet)
    with db.session(db_url) as s:
        vehicles, entries = books.fleet(s, books.depot_codes(s))
    assert [v.code for v in vehicles] == ["T5", "T10", "T20"]
    assert entries == (FleetEntry("R99", "T20", 2, 4, 180), FleetEntry("R99", "T5", 1, 0, 0),
                       FleetEntry("C990102", "T5", 1, 2, 90))


def test_a_plans_fleet_file_replaces_the_stored_rows_of_the_depots_it_names(db_url, today, tiny_with_fleet, tmp_path):
    region.init(db_url, str(tiny_with_fleet), sample_stock=False, today=today)
    mine = tmp_path / "mine.csv"
    mine.write_text("depot,vehicle,owned,hire,hire_hours,note\nR99,T10,3,0,,borrowed from the army\n",
                    encoding="utf-8")
    with db.session(db_url) as s:
        _, entries = books.fleet(s, books.depot_codes(s), str(mine))
    assert entries == (FleetEntry("C990102", "T5", 1, 2, 90), FleetEntry("R99", "T10", 3, 0, 0))


def test_init_of_a_region_whose_fleet_names_an_unknown_vehicle_lists_it_and_creates_nothing(
        sqlite_url, today, tiny_with_fleet):
    (tiny_with_fleet / "fleet.csv").write_text(FLEET.replace("C990102,T5,1,2,1.5", "C990102,T7,1,2,1.5"),
                                               encoding="utf-8")
    with pytest.raises(InvalidFile) as caught:
        region.init(sqlite_url, str(tiny_with_fleet), sample_stock=False, today=today)
    assert [str(p) for p in caught.value.problems] == [
        "fleet.csv line 4: vehicle 'T7' is not a vehicle type; known types: T10, T20, T5"]
    assert not db.has_schema(sqlite_url)


def test_a_fleet_file_with_a_bad_count_is_refused_about_the_setting(tiny_db, tmp_path):
    mine = tmp_path / "mine.csv"
    mine.write_text("depot,vehicle,owned,hire,hire_hours\nR99,T10,many,0,\n", encoding="utf-8")
    with db.session(tiny_db) as s, pytest.raises(InvalidFleet) as caught:
        books.fleet(s, books.depot_codes(s), str(mine))
    assert caught.value.option == "fleet"
    assert [str(p) for p in caught.value.problems] == [
        "mine.csv line 2: owned must be a whole number from 0 to 1,000, got 'many'"]
