"""Vehicle types and depot fleets: the shipped tables, and every bad value refused by name."""

from __future__ import annotations

import csv

import pytest

from relief.depot import datafiles
from relief.depot import fleet as fleets
from relief.depot.fleet import DEFAULT_VEHICLE, FleetEntry
from relief.errors import InvalidFleet

TYPES = fleets.vehicle_types([(2, {"code": "T5", "name": "5 t", "payload_t": "5", "volume_m3": "18", "speed_kmh": "60",
                                   "loading_min": "20", "cost_per_trip_yuan": "600"}),
                              (3, {"code": "T10", "name": "10 t", "payload_t": "10", "volume_m3": "38",
                                   "speed_kmh": "60", "loading_min": "30", "cost_per_trip_yuan": "1000"})])
DEPOTS = {"R99", "C1"}


def row(**values) -> dict:
    return {"depot": "R99", "vehicle": "T10", "owned": "2", "hire": "3", "hire_hours": "2", **values}


def problems(rows: list[dict]) -> list[str]:
    with pytest.raises(InvalidFleet) as caught:
        fleets.fleet(list(enumerate(rows, start=2)), TYPES, DEPOTS)
    return [str(p) for p in caught.value.problems]


def test_a_fleet_row_becomes_an_entry_with_hire_time_in_minutes():
    entries = fleets.fleet([(2, row()), (3, row(depot="C1", vehicle="T5", owned="1", hire="0", hire_hours=""))],
                           TYPES, DEPOTS)
    assert entries == (FleetEntry("R99", "T10", 2, 3, 120), FleetEntry("C1", "T5", 1, 0, 0))


@pytest.mark.parametrize("bad, expected", [
    (row(vehicle="T99"), "line 2: vehicle 'T99' is not a vehicle type; known types: T10, T5"),
    (row(depot="X1"), "line 2: depot 'X1' is not a depot of the region"),
    (row(owned="two"), "line 2: owned must be a whole number from 0 to 1,000, got 'two'"),
    (row(hire="-1"), "line 2: hire must be a whole number from 0 to 1,000, got '-1'"),
    (row(hire_hours="soon"), "line 2: hire_hours must be a number from 0 to 240 hours, got 'soon'"),
    (row(owned="0", hire="0"), "line 2: depot R99 has no vehicle: owned and hire are 0 on every row of it"),
])
def test_a_bad_fleet_row_is_refused_naming_the_value_and_what_is_allowed(bad, expected):
    assert any(p.startswith(f"fleet.csv {expected}") for p in problems([bad])), problems([bad])


def test_a_depot_and_vehicle_given_twice_are_refused():
    assert "given again (first on line 2)" in problems([row(), row(owned="1")])[0]


@pytest.mark.parametrize("key, value, expected", [
    ("payload_t", "0", "payload_t must be a number greater than 0 and at most 100 tonnes, got '0'"),
    ("volume_m3", "-3", "volume_m3 must be a number greater than 0 and at most 300 m³, got '-3'"),
    ("payload_t", "1e3", "payload_t must be a number greater than 0 and at most 100 tonnes, got '1e3'"),
    ("speed_kmh", "0", "speed_kmh must be a number greater than 5 and at most 200 km/h, got '0'"),
    ("loading_min", "half an hour", "loading_min must be a whole number from 0 to 1,440, got 'half an hour'"),
])
def test_a_vehicle_type_with_a_bad_capacity_speed_or_loading_time_is_refused(key, value, expected):
    good = {"code": "T5", "name": "5 t", "payload_t": "5", "volume_m3": "18", "speed_kmh": "60", "loading_min": "20",
            "cost_per_trip_yuan": "600"}
    with pytest.raises(InvalidFleet) as caught:
        fleets.vehicle_types([(2, {**good, key: value})])
    assert [str(p) for p in caught.value.problems] == [f"vehicles.csv line 2: {expected}"]


def test_a_plans_fleet_replaces_the_regions_rows_of_the_depots_it_names():
    region = (FleetEntry("R99", "T10", 2, 3, 120), FleetEntry("R99", "T5", 1, 0, 0), FleetEntry("C1", "T5", 1, 0, 0))
    mine = (FleetEntry("R99", "T5", 4, 0, 0),)
    assert fleets.with_override(region, mine) == (FleetEntry("C1", "T5", 1, 0, 0), FleetEntry("R99", "T5", 4, 0, 0))


def test_a_depot_no_row_names_hires_10_t_lorries_within_two_hours():
    assert fleets.default_entry("C1", TYPES) == FleetEntry("C1", "T10", 0, fleets.UNLIMITED, 120)


def test_the_default_vehicle_is_the_t10_row_of_the_shipped_vehicle_types():
    shipped = fleets.vehicle_types(list(enumerate(datafiles.region_table(None, "vehicles.csv"), start=2)))
    assert DEFAULT_VEHICLE in shipped


@pytest.mark.parametrize("region", datafiles.BUILT_IN)
def test_the_shipped_fleets_name_known_depots_and_vehicles_and_give_every_depot_a_vehicle(region):
    folder = datafiles.region_folder(region)
    types = fleets.vehicle_types(list(enumerate(datafiles.region_table(folder, "vehicles.csv"), start=2)))
    with (folder / "depots.csv").open(encoding="utf-8") as handle:
        depots = {r["code"] for r in csv.DictReader(handle)}
    entries = fleets.fleet(list(enumerate(datafiles.region_table(folder, "fleet.csv"), start=2)), types, depots)
    assert {e.depot for e in entries} == depots
    assert all(sum(e.owned for e in entries if e.depot == d) >= 1 for d in depots), "every depot owns a lorry"


def test_a_fleet_file_with_an_unknown_column_is_refused(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("depot,vehicle,owned,hire,hours\nR99,T10,1,0,0\n", encoding="utf-8")
    with pytest.raises(InvalidFleet, match="unknown column"):
        fleets.read_file(str(path))


def test_a_fleet_file_without_rows_is_refused(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("depot,vehicle,owned,hire,hire_hours\n\n", encoding="utf-8")
    with pytest.raises(InvalidFleet, match="mine.csv has no rows") as caught:
        fleets.read_file(str(path))
    assert caught.value.option == "fleet"
