"""A plan as GIS layers: depots, incidents, truck runs, team routes and supply lines.

``features`` gives each layer as GeoJSON features (WGS84 lon/lat). ``write_gpkg`` writes
them as separate layers of one GeoPackage (``plan-N.gpkg``, EPSG:4326), which a GIS opens
layer by layer; a GeoPackage column holds no lists, so a run's stops and a line's items
are JSON text there. ``geojson`` puts every feature in one FeatureCollection, each naming
its ``layer`` and keeping the ``kind`` earlier releases gave (``plan-N.geojson``).

- ``depots``: the depots the plan ships from (points): code, name, units, weight, trucks;
- ``incidents``: the plan's incidents (points): name, county, priority, people, need, fill;
- ``truck_runs``: one line per truck, depot to its first stop, second stop and on: id,
  depot, vehicle, trip, load, capacity, departure (minutes after the plan's start), km and
  the incidents of its stops in order (empty for a plan saved before trucks were planned);
- ``team_routes``: one line per team sent, team base to incident;
- ``supply_lines``: one line per depot and incident, with the items and tonnes sent.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from relief.routing.core.document import PlanDocument
from relief.routing.outputs.places import Places

LAYERS = ("depots", "incidents", "truck_runs", "team_routes", "supply_lines")
GEOMETRY = {"depots": "Point", "incidents": "Point", "truck_runs": "LineString", "team_routes": "LineString",
            "supply_lines": "LineString"}


def features(plan: PlanDocument, places: Places) -> dict[str, list[dict]]:
    """Takes a plan and the places it names; returns {layer: [GeoJSON feature, ...]} for
    every layer of ``LAYERS``, in that order (a layer may be empty)."""
    incidents = {i.id: i for i in plan.incidents}
    kg = {code: item.weight_kg for code, item in places.items.items()}
    return {"depots": _depots(plan, places, kg),
            "incidents": [_point(i.lon, i.lat, {"kind": "incident", "id": i.id, "name": i.name, "county": i.county,
                                                "priority": i.priority, "people": i.people,
                                                "need_units": i.need_units, "fill": i.fill,
                                                "first_arrival_minutes": i.first_arrival_minutes})
                          for i in plan.incidents],
            "truck_runs": [_truck(t, places, incidents) for t in plan.trucks if t.stops],
            "team_routes": [_line([(places.teams[t.team].lon, places.teams[t.team].lat),
                                   (incidents[t.incident].lon, incidents[t.incident].lat)],
                                  {"kind": "team", "team": t.team, "team_kind": t.kind, "incident": t.incident,
                                   "km": t.km, "minutes": t.minutes}) for t in plan.teams],
            "supply_lines": _supply(plan, places, incidents, kg)}


def geojson(plan: PlanDocument, places: Places) -> dict:
    """Takes a plan and its places; returns one GeoJSON FeatureCollection (WGS84 lon/lat)
    of every layer's features, each with a ``layer`` property naming its layer."""
    found = [{**f, "properties": {"layer": layer, **f["properties"]}}
             for layer, rows in features(plan, places).items() for f in rows]
    return {"type": "FeatureCollection", "name": f"relief plan {plan.plan_id}", "features": found}


def write_gpkg(plan: PlanDocument, places: Places, path: str | Path) -> None:
    """Write every layer of ``plan`` into a new GeoPackage at ``path`` (any file there is
    replaced; the caller writes through ``outfiles.atomic``). Raises what the GeoPackage
    driver raises (an unwritable folder: ``OSError`` or a ``pyogrio`` error)."""
    import geopandas as gpd

    path = Path(path)
    path.unlink(missing_ok=True)
    for layer, rows in features(plan, places).items():
        frame = (gpd.GeoDataFrame.from_features([_flat(f) for f in rows], crs="EPSG:4326") if rows
                 else gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"))
        with warnings.catch_warnings():  # a name not ending in .gpkg is still a GeoPackage
            warnings.filterwarnings("ignore", message=".*extension.*")
            frame.to_file(path, layer=layer, driver="GPKG", geometry_type=GEOMETRY[layer])


def _flat(feature: dict) -> dict:
    """The feature with list and mapping properties as JSON text (a GeoPackage column holds neither)."""
    props = {k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
             for k, v in feature["properties"].items()}
    return {**feature, "properties": props}


def _depots(plan: PlanDocument, places: Places, kg: dict[str, float]) -> list[dict]:
    units: dict[str, int] = {}
    weight: dict[str, float] = {}
    for line in plan.shipments:
        units[line.depot] = units.get(line.depot, 0) + line.qty
        weight[line.depot] = weight.get(line.depot, 0.0) + line.qty * kg[line.item]
    trucks: dict[str, int] = {}
    for truck in plan.trucks:
        trucks[truck.depot] = trucks.get(truck.depot, 0) + 1
    rows = []
    for code in sorted(set(units) | set(trucks)):
        d = places.depots[code]
        rows.append(_point(d.lon, d.lat, {"kind": "depot", "code": code, "name": d.name, "units": units.get(code, 0),
                                          "weight_kg": round(weight.get(code, 0.0), 1),
                                          "trucks": trucks.get(code, 0)}))
    return rows


def _truck(truck, places: Places, incidents: dict) -> dict:
    depot = places.depots[truck.depot]
    coords = [(depot.lon, depot.lat)] + [(incidents[s.incident].lon, incidents[s.incident].lat) for s in truck.stops]
    return _line(coords, {"kind": "truck", "id": truck.id, "depot": truck.depot, "vehicle": truck.vehicle,
                          "trip": truck.trip, "load_kg": truck.load_kg, "load_m3": truck.load_m3,
                          "capacity_kg": truck.capacity_kg, "capacity_m3": truck.capacity_m3,
                          "depart_minutes": truck.depart_minutes, "km": truck.km,
                          "stops": [s.incident for s in truck.stops],
                          "arrive_minutes": [s.arrive_minutes for s in truck.stops]})


def _supply(plan: PlanDocument, places: Places, incidents: dict, kg: dict[str, float]) -> list[dict]:
    legs: dict[tuple[str, int], dict] = {}
    for line in plan.shipments:
        leg = legs.setdefault((line.depot, line.incident), {"items": {}, "kg": 0.0, "minutes": line.minutes,
                                                              "km": line.km})
        leg["items"][line.item] = leg["items"].get(line.item, 0) + line.qty
        leg["kg"] += line.qty * kg[line.item]
    rows = []
    for (code, inc_id), leg in sorted(legs.items()):
        d, i = places.depots[code], incidents[inc_id]
        rows.append(_line([(d.lon, d.lat), (i.lon, i.lat)],
                          {"kind": "shipment", "depot": code, "incident": inc_id, "items": leg["items"],
                           "tonnes": round(leg["kg"] / 1000, 2), "km": leg["km"], "minutes": leg["minutes"]}))
    return rows


def _point(lon: float, lat: float, props: dict) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


def _line(coords, props: dict) -> dict:
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[x, y] for x, y in coords]},
            "properties": props}
