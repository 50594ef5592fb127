"""The plan map: its projection, scale bar, label placement and the PNG it writes.

No database: the projection is fitted to the shipped county outlines of both regions,
labels are placed on made-up crowds, and the maps are drawn from hand-built documents.
"""

from __future__ import annotations

import itertools
import json
import random
from datetime import datetime
from importlib import resources

import pytest
from matplotlib.text import Text
from PIL import Image
from pyproj import Geod
from shapely.geometry import box, shape
from shapely.ops import unary_union

from relief.routing.core import document as documents
from relief.routing.core.methods import solve
from relief.routing.core.problem import DepotSpec, DispatchProblem, IncidentSpec, PlanParams
from relief.routing.core.results import Method, PlanStatus
from relief.routing.outputs import labels, maps, projection
from relief.routing.outputs.places import DepotPlace, Places
from tests.unit import truck_plan

GEOD = Geod(ellps="WGS84")
# CRS.to_dict() warns that a PROJ string loses detail; these tests read only its parameters.
pytestmark = pytest.mark.filterwarnings("ignore:You will likely lose important projection information")


def region_bounds(region: str) -> tuple[float, float, float, float]:
    """The lon/lat bounds of a shipped region's county outlines."""
    text = resources.files("relief.data").joinpath(region, "counties.geojson").read_text(encoding="utf-8")
    return unary_union([shape(f["geometry"]) for f in json.loads(text)["features"]]).bounds


@pytest.mark.parametrize("region, tolerance", [("inner-mongolia", 0.015), ("zhaoqing", 0.001)])
def test_map_distances_are_within_a_percent_or_two_of_great_circle_distances(region, tolerance):
    west, south, east, north = bounds = region_bounds(region)
    proj = projection.for_bounds(bounds)
    assert proj.crs.to_dict()["proj"] == "aea"
    assert south < proj.crs.to_dict()["lat_1"] < proj.crs.to_dict()["lat_2"] < north
    grid = [(west + (east - west) * i / 5, south + (north - south) * j / 5) for i in range(6) for j in range(6)]
    worst = 0.0
    for (lon1, lat1), (lon2, lat2) in itertools.combinations(grid, 2):
        (x1, x2), (y1, y2) = proj.xy([lon1, lon2], [lat1, lat2])
        on_map = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
        worst = max(worst, abs(on_map / GEOD.inv(lon1, lat1, lon2, lat2)[2] - 1))
    assert worst < tolerance
    corner = projection.for_bounds((west, south, west + 1, south + 1))
    assert corner.crs.to_dict()["lon_0"] == pytest.approx(west + 0.5), "fitted to the bounds given"


def test_north_is_up_on_the_central_meridian_and_leans_towards_it_elsewhere():
    proj = projection.for_bounds(region_bounds("inner-mongolia"))
    lon0 = proj.crs.to_dict()["lon_0"]
    assert proj.north(*proj.xy(lon0, 45.0)) == pytest.approx(0.0, abs=0.01)
    assert proj.north(*proj.xy(lon0 + 10, 45.0)) < -3 < 3 < proj.north(*proj.xy(lon0 - 10, 45.0))


def test_a_region_across_the_equator_gets_an_azimuthal_projection_and_bad_bounds_are_refused():
    assert projection.for_bounds((100.0, -5.0, 110.0, 5.0)).crs.to_dict()["proj"] == "laea"
    for bad in ((10.0, 0.0, 5.0, 1.0), (0.0, 0.0, 1.0, float("nan")), (0.0, 80.0, 1.0, 95.0)):
        with pytest.raises(ValueError):
            projection.for_bounds(bad)


@pytest.mark.parametrize("width_km, km", [(2400, 200), (2600, 500), (170, 20), (1000, 200), (499, 50), (12, 2),
                                          (1, 0.2)])
def test_the_scale_bar_is_a_round_length_of_at_most_a_fifth_of_the_map(width_km, km):
    assert projection.scale_bar_km(width_km) == pytest.approx(km)
    assert projection.scale_bar_km(width_km) <= width_km / 5 < projection.scale_bar_km(width_km) * 2.5 + 1e-9
    with pytest.raises(ValueError):
        projection.nice(0)


def test_crowded_labels_are_placed_without_overlapping_each_other_or_any_marker():
    rng = random.Random(7)
    points = [(rng.uniform(20, 380), rng.uniform(20, 280)) for _ in range(90)]
    sizes = [[(rng.uniform(30, 70), 11.0), (14.0, 11.0)] for _ in points]
    radii = [rng.uniform(2, 6) for _ in points]
    frame = (0.0, 0.0, 400.0, 300.0)
    legend = (300.0, 0.0, 400.0, 60.0)
    placed = labels.place(points, sizes, radii, frame=frame, obstacles=[legend])
    assert 30 < len(placed) < 90, "a crowd: most labels fit, some do not"
    assert {p.choice for p in placed} == {0, 1} and any(p.leader for p in placed)
    for a, b in itertools.combinations(placed, 2):
        assert not labels.overlaps(a.box, b.box)
    markers = [(x - r, y - r, x + r, y + r) for (x, y), r in zip(points, radii)]
    for p in placed:
        assert not any(labels.overlaps(p.box, m) for m in markers) and not labels.overlaps(p.box, legend)
        assert frame[0] <= p.box[0] and p.box[2] <= frame[2] and frame[1] <= p.box[1] and p.box[3] <= frame[3]
        (x, y), (w, h) = points[p.index], sizes[p.index][p.choice]
        assert (p.box[0] - x, p.box[1] - y, p.box[2] - p.box[0], p.box[3] - p.box[1]) == pytest.approx((p.dx, p.dy, w, h))
    assert placed[0].index == 0 and placed[0].choice == 0, "the most important label is placed first, in full"


def test_a_lone_label_goes_to_the_right_of_its_point_and_a_boxed_in_one_is_left_out():
    [alone] = labels.place([(100.0, 100.0)], [[(40.0, 10.0)]], [5.0], gap=3.0)
    assert alone.box == (108.0, 95.0, 148.0, 105.0) and not alone.leader
    walls = [(0.0, 0.0, 200.0, 90.0), (0.0, 110.0, 200.0, 200.0), (0.0, 0.0, 95.0, 200.0), (105.0, 0.0, 200.0, 200.0)]
    assert labels.place([(100.0, 100.0)], [[(40.0, 10.0)]], [2.0], obstacles=walls) == []


def test_a_name_the_font_cannot_draw_is_labelled_by_number_and_a_long_one_is_cut():
    assert maps.label_text(7, "科尔沁右翼中旗房屋倒塌") == "#7"
    long = maps.label_text(12, "Horqin Right Middle Banner house collapse")
    assert long.startswith("#12 Horqin") and long.endswith("…") and len(long) <= 32


def test_truck_runs_are_drawn_depot_then_stops_or_supply_lines_without_trucks():
    places = truck_plan.places()
    assert maps.routes(truck_plan.plan(), places) == [
        ([(110.5, 40.5), (110.6, 40.5), (112.6, 40.5)], 0.24, "light truck"), ([(112.5, 40.5), (112.6, 40.5)], 0.08, "van")]
    assert [(coords, round(t, 2), v) for coords, t, v in maps.routes(truck_plan.plan(trucks=()), places)] == [
        ([(110.5, 40.5), (110.6, 40.5)], 0.2, ""), ([(110.5, 40.5), (112.6, 40.5)], 0.04, ""),
        ([(112.5, 40.5), (112.6, 40.5)], 0.08, "")]


@pytest.mark.parametrize("trucks", [truck_plan.TRUCKS, ()], ids=["trucks", "no trucks"])
def test_the_plan_map_is_a_png_of_sensible_size(tmp_path, trucks):
    path = tmp_path / "plan.png"
    maps.plan_map(truck_plan.plan(trucks=trucks), truck_plan.places(), path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(path) as image:
        assert image.format == "PNG" and 900 <= image.width <= 2000 and 500 <= image.height <= 2000


def test_labels_on_a_drawn_map_of_a_crowd_of_incidents_do_not_overlap(tmp_path):
    rng = random.Random(3)
    incidents = tuple(IncidentSpec(n, f"incident {n} in the valley", "990101", 110.4 + rng.uniform(0, 0.3),
                                   40.4 + rng.uniform(0, 0.2), 1 + n % 4, 100, (("TENT", 1 + n),))
                      for n in range(1, 31))
    problem = DispatchProblem(incidents, (DepotSpec("D1", "990101", 110.5, 40.5, "region", 100.0),), (), (),
                              {"TENT": 40.0}, {}, PlanParams(start=datetime(2026, 11, 22, 8, 0)))
    doc = documents.build(problem, solve(problem), Method.GREEDY, PlanStatus.DRAFT).with_(plan_id=1)
    places = Places({"D1": DepotPlace("D1", "depot", 110.5, 40.5)}, {}, {}, (("990101", "west", box(110, 40, 111, 41)),))
    fig, ax, proj = maps.base_map(places.counties, "crowd")
    maps.draw_flows(ax, doc, places, proj)
    fig.canvas.draw()  # annotations find their places when drawn
    renderer = fig.canvas.get_renderer()
    texts = [t for t in ax.texts if t.get_text().startswith("#")]
    boxes = [Text.get_window_extent(t, renderer) for t in texts]  # the text, not its leader line
    assert 5 < len(texts) < 30
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)
    furniture = [a.get_window_extent(renderer) for a in ax.get_children() if a.get_gid() == maps.FURNITURE]
    assert not any(b.overlaps(f) for b in boxes for f in furniture)
    fig.savefig(tmp_path / "crowd.png")
