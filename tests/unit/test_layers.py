"""GIS layers of a plan: depots, incidents, truck runs, team routes and supply lines, in a
GeoPackage (one layer each) and in the one GeoJSON FeatureCollection, each feature naming its layer.

No database: written from the hand-built plan document of ``truck_plan``.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pyogrio

from relief.routing.outputs import layers
from tests.unit import truck_plan


def test_the_layers_hold_the_depots_incidents_truck_runs_team_routes_and_supply_lines():
    found = layers.features(truck_plan.plan(), truck_plan.places())
    assert list(found) == list(layers.LAYERS)
    assert [(f["properties"]["code"], f["properties"]["units"], f["properties"]["weight_kg"],
             f["properties"]["trucks"], f["geometry"]["coordinates"]) for f in found["depots"]] == [
        ("D1", 6, 240.0, 1, [110.5, 40.5]), ("D2", 2, 80.0, 1, [112.5, 40.5])]
    assert [(f["properties"]["id"], f["properties"]["name"], f["geometry"]["coordinates"])
            for f in found["incidents"]] == [(1, "north", [110.6, 40.5]), (2, "east", [112.6, 40.5])]
    first, second = found["truck_runs"]
    assert first["geometry"] == {"type": "LineString", "coordinates": [[110.5, 40.5], [110.6, 40.5], [112.6, 40.5]]}
    assert {k: first["properties"][k] for k in ("id", "depot", "vehicle", "load_kg", "load_m3", "depart_minutes",
                                                  "stops", "trip")} == {
        "id": 1, "depot": "D1", "vehicle": "light truck", "load_kg": 240.0, "load_m3": 1.2, "depart_minutes": 30,
        "stops": [1, 2], "trip": 1}
    assert second["geometry"]["coordinates"] == [[112.5, 40.5], [112.6, 40.5]] and second["properties"]["stops"] == [2]
    assert [(f["properties"]["team"], f["properties"]["incident"], f["geometry"]["coordinates"])
            for f in found["team_routes"]] == [("T01", 1, [[110.5, 40.5], [110.6, 40.5]])]
    assert [(f["properties"]["depot"], f["properties"]["incident"], f["properties"]["items"])
            for f in found["supply_lines"]] == [("D1", 1, {"TENT": 5}), ("D1", 2, {"TENT": 1}), ("D2", 2, {"TENT": 2})]


def test_the_geopackage_has_one_layer_each_with_the_expected_features(tmp_path):
    path = tmp_path / "plan.gpkg"
    layers.write_gpkg(truck_plan.plan(), truck_plan.places(), path)
    assert [tuple(row) for row in pyogrio.list_layers(path)] == [
        ("depots", "Point"), ("incidents", "Point"), ("truck_runs", "LineString"), ("team_routes", "LineString"),
        ("supply_lines", "LineString")]
    runs = gpd.read_file(path, layer="truck_runs")
    assert runs.crs.to_epsg() == 4326
    assert list(runs["id"]) == [1, 2] and list(runs["vehicle"]) == ["light truck", "van"]
    assert [json.loads(s) for s in runs["stops"]] == [[1, 2], [2]], "lists are JSON text in a GeoPackage"
    assert [list(g.coords) for g in runs.geometry] == [[(110.5, 40.5), (110.6, 40.5), (112.6, 40.5)],
                                                       [(112.5, 40.5), (112.6, 40.5)]]
    assert list(gpd.read_file(path, layer="depots")["code"]) == ["D1", "D2"]
    assert list(gpd.read_file(path, layer="team_routes")["team"]) == ["T01"]
    assert len(gpd.read_file(path, layer="supply_lines")) == 3 and len(gpd.read_file(path, layer="incidents")) == 2


def test_a_plan_without_trucks_has_an_empty_truck_run_layer(tmp_path):
    path = tmp_path / "plan.gpkg"
    layers.write_gpkg(truck_plan.plan(trucks=()), truck_plan.places(), path)
    assert "truck_runs" in [row[0] for row in pyogrio.list_layers(path)]
    assert len(gpd.read_file(path, layer="truck_runs")) == 0 and len(gpd.read_file(path, layer="supply_lines")) == 3


def test_the_geojson_collection_holds_every_layer_and_names_it_in_each_feature():
    collection = layers.geojson(truck_plan.plan(), truck_plan.places())
    counted: dict[str, int] = {}
    for f in collection["features"]:
        counted[f["properties"]["layer"]] = counted.get(f["properties"]["layer"], 0) + 1
    assert counted == {"depots": 2, "incidents": 2, "truck_runs": 2, "team_routes": 1, "supply_lines": 3}
    kinds = {(f["properties"]["layer"], f["properties"]["kind"]) for f in collection["features"]}
    assert kinds == {("depots", "depot"), ("incidents", "incident"), ("truck_runs", "truck"), ("team_routes", "team"),
                     ("supply_lines", "shipment")}, "the kinds earlier releases wrote are kept"
