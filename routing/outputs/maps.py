"""PNG maps of plans: county boundaries, depots, incidents, flows and team routes.

Drawn with geopandas and matplotlib (Agg backend, no screen needed). Labels use Latin
text so that the map renders without CJK fonts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from shapely.geometry import shape  # noqa: E402

if TYPE_CHECKING:
    from relief.routing.core.document import PlanDocument
    from relief.routing.outputs.places import Places


def counties_frame(rows) -> gpd.GeoDataFrame:
    """A GeoDataFrame of ``(adcode, name, geometry)`` rows (GeoJSON text or shapely), EPSG:4326."""
    return gpd.GeoDataFrame({"adcode": [r[0] for r in rows], "name": [r[1] for r in rows]},
                            geometry=[shape(json.loads(r[2])) if isinstance(r[2], str) else r[2] for r in rows],
                            crs="EPSG:4326")


def base_map(rows, title: str, shade: dict[str, float] | None = None, shade_label: str = "", cmap: str = "OrRd"):
    """A figure with county boundaries (optionally shaded by ``shade`` {adcode: value})."""
    frame = counties_frame(rows)
    fig, ax = plt.subplots(figsize=(12, 8.5), dpi=110)
    if shade:
        frame["value"] = frame["adcode"].map(shade).fillna(0.0)
        frame.plot(ax=ax, column="value", cmap=cmap, edgecolor="#999999", linewidth=0.4, legend=True,
                   legend_kwds={"label": shade_label, "shrink": 0.6})
    else:
        frame.plot(ax=ax, color="#f4f1ea", edgecolor="#9a9a9a", linewidth=0.4)
    ax.set_title(title, fontsize=13, loc="left")
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_aspect(1.3)
    return fig, ax


def plan_map(plan: PlanDocument, places: Places, path: Path) -> None:
    """Draw ``plan`` over the counties, depots and teams of ``places`` to a PNG at ``path``."""
    totals = plan.totals
    title = (f"relief dispatch plan {plan.plan_id} ({plan.method.value}, {plan.status.value}): "
             f"{totals.incidents} incidents, need met {totals.fill:.0%}, {totals.tonne_km:,.0f} t·km")
    fig, ax = base_map(places.counties, title)
    draw_flows(ax, plan, places)
    fig.savefig(path, bbox_inches="tight", format="png")
    plt.close(fig)


def draw_flows(ax, plan: PlanDocument, places: Places) -> None:
    """Depots, incidents (sized by need, coloured by fill), supply lines and team routes."""
    depots, incidents = places.depots, {i.id: i for i in plan.incidents}
    used = {line.depot for line in plan.shipments}
    xs = [d.lon for d in depots.values()]
    ys = [d.lat for d in depots.values()]
    ax.scatter(xs, ys, marker="s", s=10, color="#7f8c8d", zorder=3)
    ax.scatter([depots[c].lon for c in used], [depots[c].lat for c in used], marker="s", s=28, color="#1f4e79", zorder=4)
    weight = {}
    for line in plan.shipments:
        key = (line.depot, line.incident)
        weight[key] = weight.get(key, 0.0) + line.qty * places.items[line.item].weight_kg / 1000.0
    top = max(weight.values(), default=1.0)
    for (code, inc_id), tonnes in weight.items():
        d, i = depots[code], incidents[inc_id]
        ax.plot([d.lon, i.lon], [d.lat, i.lat], color="#2e86c1", alpha=0.7, linewidth=0.6 + 3.0 * tonnes / top, zorder=2)
    for t in plan.teams:
        team, i = places.teams[t.team], incidents[t.incident]
        ax.plot([team.lon, i.lon], [team.lat, i.lat], color="#c0392b", linestyle="--", linewidth=1.2, zorder=2)
    need = incidents
    sizes = [max(30.0, need[k].need_units ** 0.5 * 2.5) for k in need]
    fills = [need[k].fill for k in need]
    points = ax.scatter([incidents[k].lon for k in need], [incidents[k].lat for k in need], s=sizes, c=fills,
                        cmap="RdYlGn", vmin=0, vmax=1, edgecolors="black", linewidths=0.6, zorder=5)
    for k in need:
        ax.annotate(f"#{k}", (incidents[k].lon, incidents[k].lat), xytext=(4, 4), textcoords="offset points", fontsize=8)
    plt.colorbar(points, ax=ax, shrink=0.6, label="share of need met")
    ax.legend(handles=[
        Line2D([], [], marker="s", linestyle="", color="#7f8c8d", label="depot"),
        Line2D([], [], marker="s", linestyle="", color="#1f4e79", label="depot shipping"),
        Line2D([], [], marker="o", linestyle="", markerfacecolor="#f1c40f", markeredgecolor="black",
               label="incident (size: units needed)"),
        Line2D([], [], color="#2e86c1", linewidth=2, label="supplies (width: tonnes)"),
        Line2D([], [], color="#c0392b", linestyle="--", label="team route")], loc="lower right", fontsize=9)
