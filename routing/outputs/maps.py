"""PNG maps of plans and drills: county outlines, depots, incidents, truck runs and team routes.

Drawn with geopandas and matplotlib (Agg backend: no screen needed, nothing downloaded) in
an equal-area projection fitted to the region (``projection``), with a scale bar of a
round length, a north arrow and the projection named under the map. Incidents are labelled
``#id name``, placed so that no label overlaps another, a marker or the scale bar and north
arrow (``labels``); a name the bundled font cannot draw (Chinese, where no CJK font is
installed) is labelled by its number alone. Two legends under the map give the markers
(incident size: units needed) and the routes (truck runs coloured by vehicle type, width:
tonnes carried; team routes dashed). A plan made before trucks were planned is drawn with
its supply lines, depot to incident, instead of truck runs.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar  # noqa: E402
from shapely.geometry import shape  # noqa: E402

from relief.routing.outputs import labels, projection  # noqa: E402

if TYPE_CHECKING:
    from relief.routing.core.document import PlanDocument
    from relief.routing.outputs.places import Places

FURNITURE = "furniture"  # the gid of the scale bar, north arrow and caption: labels keep clear of them
LABEL_SIZE = 8  # points
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
           "#393b79")


def counties_frame(rows) -> gpd.GeoDataFrame:
    """A GeoDataFrame of ``(adcode, name, geometry)`` rows (GeoJSON text or shapely), EPSG:4326."""
    return gpd.GeoDataFrame({"adcode": [r[0] for r in rows], "name": [r[1] for r in rows]},
                            geometry=[shape(json.loads(r[2])) if isinstance(r[2], str) else r[2] for r in rows],
                            crs="EPSG:4326")


def base_map(rows, title: str, shade: dict[str, float] | None = None, shade_label: str = "", cmap: str = "OrRd",
             points=()):
    """Takes county ``(adcode, name, geometry)`` rows, a title, optionally a shade
    {adcode: value} with its colour-bar label and colour map, and (lon, lat) points the map
    must show besides the counties; returns ``(figure, axes, RegionProjection)``: the
    counties drawn in the projection fitted to them, with a scale bar, a north arrow and a
    caption naming the projection. Draw on the axes in the projection's metres
    (``RegionProjection.xy``)."""
    frame = counties_frame(rows)
    proj = projection.for_bounds(_bounds(frame, points))
    shown = frame.to_crs(proj.crs)
    xs, ys = proj.xy([p[0] for p in points], [p[1] for p in points]) if points else ([], [])
    xs, ys = list(xs), list(ys)
    if len(shown):
        x0, y0, x1, y1 = shown.total_bounds
        xs, ys = [*xs, x0, x1], [*ys, y0, y1]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    pad = max(x1 - x0, y1 - y0, 20_000.0) * 0.04
    (x0, x1), (y0, y1) = (x0 - pad, x1 + pad), (y0 - pad, y1 + pad)
    tall = min(max(10.0 * (y1 - y0) / (x1 - x0), 4.5), 11.0)  # the map 10 inches wide, its height to scale
    fig, ax = plt.subplots(figsize=(12, tall + 2.6), dpi=110)  # room for the legends under the map
    if shade and len(shown):
        shown["value"] = shown["adcode"].map(shade).fillna(0.0)
        shown.plot(ax=ax, column="value", cmap=cmap, edgecolor="#999999", linewidth=0.4, legend=True,
                   legend_kwds={"label": shade_label, "shrink": 0.5, "fraction": 0.04, "pad": 0.07})  # room for one more
    elif len(shown):
        shown.plot(ax=ax, color="#f4f1ea", edgecolor="#9a9a9a", linewidth=0.4)
    ax.set_title(title, fontsize=12, loc="left", parse_math=False)  # a "$" in a name is a dollar
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_autoscale_on(False)
    fig.subplots_adjust(left=0.02, right=0.98, top=1 - 0.5 / (tall + 2.6), bottom=1.9 / (tall + 2.6))
    _furniture(ax, proj)
    return fig, ax, proj


def _bounds(frame: gpd.GeoDataFrame, points) -> tuple[float, float, float, float]:
    """The lon/lat bounds of the counties and the points (a degree around 0, 0 when there are none)."""
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    if len(frame):
        west, south, east, north = frame.total_bounds
        lons, lats = [*lons, west, east], [*lats, south, north]
    if not lons:
        return (-1.0, -1.0, 1.0, 1.0)
    return (min(lons), min(lats), max(lons), max(lats))


def _furniture(ax, proj: projection.RegionProjection) -> None:
    """A scale bar (a round length, about a fifth of the map's width) at the lower left, a
    north arrow (true north at its place) at the upper left and the projection's caption."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    km = projection.scale_bar_km((x1 - x0) / 1000)
    bar = AnchoredSizeBar(ax.transData, km * 1000, f"{km:g} km", "lower left", pad=0.4, borderpad=0.8, sep=4,
                          frameon=True, size_vertical=(y1 - y0) * 0.005, fontproperties=FontProperties(size=9))
    bar.patch.set_alpha(0.85)
    bar.set_gid(FURNITURE)
    ax.add_artist(bar)
    fx, fy = 0.045, 0.93
    angle = proj.north(x0 + fx * (x1 - x0), y0 + fy * (y1 - y0))
    dx, dy = _turn(angle)
    arrow = ax.annotate("", xy=(fx, fy), xycoords="axes fraction", xytext=(-dx * 30, -dy * 30),
                        textcoords="offset points", arrowprops={"arrowstyle": "-|>,head_width=0.35,head_length=0.8",
                                                                "lw": 1.8, "color": "black"})
    north = ax.annotate("N", xy=(fx, fy), xycoords="axes fraction", xytext=(dx * 9, dy * 9),
                        textcoords="offset points", ha="center", va="center", fontsize=12, fontweight="bold")
    caption = ax.text(0.0, -0.012, f"{proj.caption}; north arrow: true north", transform=ax.transAxes,
                      fontsize=7, color="#555555", va="top")
    for artist in (arrow, north, caption):
        artist.set_gid(FURNITURE)


def _turn(degrees: float) -> tuple[float, float]:
    """The unit vector ``degrees`` clockwise from up."""
    return math.sin(math.radians(degrees)), math.cos(math.radians(degrees))


def plan_map(plan: PlanDocument, places: Places, path: Path) -> None:
    """Draw ``plan`` over the counties, depots and teams of ``places`` to a PNG at ``path``."""
    totals = plan.totals
    title = (f"relief dispatch plan {plan.plan_id} ({plan.method.value}, {plan.status.value}): "
             f"{totals.incidents} incidents, need met {totals.fill:.0%}, {totals.tonne_km:,.0f} t·km")
    if plan.trucks:
        title += f", {len(plan.trucks)} truck runs"
    points = [(i.lon, i.lat) for i in plan.incidents]
    points += [(places.depots[s.depot].lon, places.depots[s.depot].lat) for s in plan.shipments]
    fig, ax, proj = base_map(places.counties, title, points=points)
    draw_flows(ax, plan, places, proj)
    fig.savefig(path, bbox_inches="tight", format="png")
    plt.close(fig)


def area(units: float) -> float:
    """Takes the units an incident needs; returns its marker's area (points squared)."""
    return 20.0 + 2.5 * max(units, 0) ** 0.5


def width(tonnes: float, top: float) -> float:
    """Takes the tonnes a route carries and the most any route of the map carries; returns the line width (points)."""
    return 0.6 + 3.0 * tonnes / top if top > 0 else 0.6


def routes(plan: PlanDocument, places: Places) -> list[tuple[list[tuple[float, float]], float, str]]:
    """Takes a plan and its places; returns what the map draws as supply routes: one
    (lon/lat points, tonnes, vehicle) per truck run, depot then its stops in order, or, for
    a plan without trucks, one per depot and incident with vehicle ``""``."""
    incidents, kg = {i.id: i for i in plan.incidents}, {c: i.weight_kg for c, i in places.items.items()}
    found = []
    for t in plan.trucks:
        if t.stops:
            depot = places.depots[t.depot]
            found.append(([(depot.lon, depot.lat)] + [(incidents[s.incident].lon, incidents[s.incident].lat)
                                                      for s in t.stops],
                          sum(ln.qty * kg[ln.item] for s in t.stops for ln in s.lines) / 1000.0, t.vehicle))
    if plan.trucks:
        return found
    legs: dict[tuple[str, int], float] = {}
    for line in plan.shipments:
        legs[(line.depot, line.incident)] = legs.get((line.depot, line.incident), 0.0) + line.qty * kg[line.item] / 1000
    for (code, inc_id), tonnes in sorted(legs.items()):
        depot, inc = places.depots[code], incidents[inc_id]
        found.append(([(depot.lon, depot.lat), (inc.lon, inc.lat)], tonnes, ""))
    return found


def draw_flows(ax, plan: PlanDocument, places: Places, proj: projection.RegionProjection) -> None:
    """Draw on axes made by ``base_map`` (in ``proj``): all depots (those shipping larger),
    truck runs (or supply lines) by tonnage and vehicle, team routes dashed, incidents sized
    by units needed and coloured by need met, legends under the map and incident labels."""
    depots, incidents = places.depots, {i.id: i for i in plan.incidents}
    used = sorted({line.depot for line in plan.shipments} | {t.depot for t in plan.trucks})
    if depots:
        xs, ys = proj.xy([d.lon for d in depots.values()], [d.lat for d in depots.values()])
        ax.scatter(xs, ys, marker="s", s=10, color="#7f8c8d", zorder=3)
    if used:
        xs, ys = proj.xy([depots[c].lon for c in used], [depots[c].lat for c in used])
        ax.scatter(xs, ys, marker="s", s=28, color="#1f4e79", zorder=4)
    drawn = routes(plan, places)
    top = max((tonnes for _, tonnes, _ in drawn), default=0.0)
    vehicles = sorted({v for _, _, v in drawn})
    colour = {v: ("#2e86c1" if v == "" else PALETTE[n % len(PALETTE)]) for n, v in enumerate(vehicles)}
    for coords, tonnes, vehicle in drawn:
        xs, ys = proj.xy([c[0] for c in coords], [c[1] for c in coords])
        ax.plot(xs, ys, color=colour[vehicle], alpha=0.75, linewidth=width(tonnes, top), zorder=2,
                solid_capstyle="round", solid_joinstyle="round")
    for t in plan.teams:
        team, i = places.teams[t.team], incidents[t.incident]
        xs, ys = proj.xy([team.lon, i.lon], [team.lat, i.lat])
        ax.plot(xs, ys, color="#c0392b", linestyle="--", linewidth=1.2, zorder=2)
    shown = sorted(plan.incidents, key=lambda i: (i.priority, -i.need_units, i.id))
    sizes = [area(i.need_units) for i in shown]
    xs, ys = proj.xy([i.lon for i in shown], [i.lat for i in shown]) if shown else ([], [])
    points = ax.scatter(xs, ys, s=sizes, c=[i.fill for i in shown], cmap="RdYlGn", vmin=0, vmax=1,
                        edgecolors="black", linewidths=0.6, zorder=5)
    plt.colorbar(points, ax=ax, shrink=0.5, fraction=0.04, pad=0.02, label="share of need met")
    _legends(ax, shown, colour, top)
    _label(ax, shown, list(zip(xs, ys)), sizes)


def _legends(ax, shown, colour: dict[str, str], top: float) -> None:
    """The markers' legend (depots, incident sizes, team route) and the routes' legend
    (a colour per vehicle type, widths for round tonnages), side by side under the map."""
    most = max((i.need_units for i in shown), default=0)
    sizes = sorted({projection.nice(most * share) for share in (0.05, 0.3, 1.0) if most * share >= 1})
    markers = [Line2D([], [], marker="s", linestyle="", color="#7f8c8d", label="depot"),
               Line2D([], [], marker="s", linestyle="", color="#1f4e79", label="depot shipping")]
    markers += [Line2D([], [], marker="o", linestyle="", markerfacecolor="#f1c40f", markeredgecolor="black",
                       markersize=area(units) ** 0.5, label=f"incident: {units:,.0f} unit{'s' if units != 1 else ''}")
                for units in sizes]
    markers.append(Line2D([], [], color="#c0392b", linestyle="--", label="team route"))
    first = ax.legend(handles=markers, loc="upper left", bbox_to_anchor=(0.0, -0.035), fontsize=8, ncol=2,
                      labelspacing=1.4, borderpad=0.8, title="markers (incident size: units needed; colour: need met)", title_fontsize=8)
    ax.add_artist(first)
    first.set_clip_on(False)  # add_artist clips to the map, which would cut it from the saved figure
    names = {v: _drawable(v).replace("$", r"\$") or f"vehicle {n}" for n, v in enumerate(sorted(colour), start=1)}
    lines = [Line2D([], [], color=c, linewidth=2.5,
                    label=f"truck run: {names[v]}" if v else "supplies, depot to incident")
             for v, c in sorted(colour.items())]
    title = "routes (width: tonnes carried)" if "" not in colour else "routes (width: tonnes; no truck runs in this plan)"
    if top > 0:
        lines += [Line2D([], [], color="#555555", linewidth=width(t, top), label=f"{t:g} t carried")
                  for t in sorted({projection.nice(top * share) for share in (0.1, 0.4, 1.0)})]
    if lines:
        ax.legend(handles=lines, loc="upper right", bbox_to_anchor=(1.0, -0.035), fontsize=8, ncol=2,
                  title=title, title_fontsize=8)


@cache
def _glyphs() -> frozenset[int]:
    """The characters the default font draws."""
    from matplotlib.font_manager import findfont
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(findfont(FontProperties())).get_charmap())


def _drawable(text: str) -> str:
    """``text`` with its runs of white space (tabs, line breaks) made single spaces, when
    the default font draws every character of it; else ``""``."""
    text = " ".join(text.split())
    return text if all(ord(ch) in _glyphs() for ch in text) else ""


def label_text(incident_id: int, name: str, limit: int = 32) -> str:
    """Takes an incident's id and name; returns its map label: ``#id name`` (cut to ``limit``
    characters with an ellipsis), or ``#id`` when the default font cannot draw the name.
    Where the label finds no room on the map, ``#id`` alone is tried."""
    text = " ".join(f"#{incident_id} {name}".split())
    if len(text) > limit:
        text = text[:limit - 1].rstrip() + "…"
    return _drawable(text) or f"#{incident_id}"


def _label(ax, shown, xy, sizes) -> None:
    """Label the incidents ``shown`` (most important first) where ``labels.place`` finds
    room, by number alone where the name does not fit; a label set off from its point gets
    a leader line."""
    if not shown:
        return
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    font, pad, dpi = FontProperties(size=LABEL_SIZE), 2.0, fig.dpi
    texts = [(label_text(i.id, i.name), f"#{i.id}") for i in shown]
    boxes = []
    for options in texts:
        sizes_px = [renderer.get_text_width_height_descent(text, font, ismath=False) for text in options]
        boxes.append([(w + 2 * pad, h + 2 * pad) for w, h, _ in sizes_px])
    points = [tuple(p) for p in ax.transData.transform(xy)]
    radii = [(s ** 0.5) / 2 * dpi / 72 for s in sizes]
    furniture = [a.get_window_extent(renderer) for a in ax.get_children() if a.get_gid() == FURNITURE]
    frame = ax.bbox
    placed = labels.place(points, boxes, radii, frame=(frame.x0, frame.y0, frame.x1, frame.y1),
                          obstacles=[(b.x0, b.y0, b.x1, b.y1) for b in furniture])
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    for p in placed:
        to_points = 72 / dpi
        ax.annotate(texts[p.index][p.choice], xy=xy[p.index], xytext=((p.dx + pad) * to_points, (p.dy + pad) * to_points),
                    textcoords="offset points", ha="left", va="bottom", fontsize=LABEL_SIZE, zorder=6,
                    path_effects=halo, annotation_clip=False, parse_math=False,
                    arrowprops={"arrowstyle": "-", "lw": 0.6, "color": "#444444", "shrinkA": 0, "shrinkB": 2}
                    if p.leader else None)
