"""What ``prepare`` leaves in ``--out``: CSV lists, a map of where stock is added, and a
file the keepers import when the purchases arrive.

Documents in, files out: the writers take a ``PrepareResult`` and the ``Places`` the
caller read; they never open a database. No file is replaced unless asked (``force``),
each is written under a temporary name and renamed when complete (``depot.outfiles``),
and every text cell is made safe to open in a spreadsheet (``depot.cells``).

``purchases-import.csv`` has the columns of ``relief stock import`` (doc, kind, depot,
item, qty, source): one receipt document per depot, numbered
``PREP-YYYYMMDD-DEPOT-HASH`` (HASH: the first 6 hex digits of a SHA-256 of that depot's
lines), so importing it twice records nothing twice and another recommendation on the
same day gets other numbers.
"""

from __future__ import annotations

import csv
import hashlib
from datetime import date
from pathlib import Path

from relief.depot import outfiles
from relief.depot.cells import safe_row
from relief.errors import InvalidFile
from relief.routing.outputs.places import Places
from relief.routing.prepare.service import PrepareResult

FILES = ("purchases.csv", "transfers.csv", "comparison.csv", "map.png", "purchases-import.csv")
SOURCE = "procurement"


def check(path: str, *, force: bool = False) -> Path:
    """Check, before anything is computed, that the folder ``path`` can take ``FILES``;
    returns it as a path. Raises ``InvalidFile`` (option ``output``) when ``path`` is a
    file and ``Refused`` (option ``force``) when one of the files exists and ``force`` is
    not given."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise InvalidFile(f"output {path} is a file; give a folder", option="output")
    outfiles.claim([out / name for name in FILES], force=force)
    return out


def import_rows(result: PrepareResult, today: date) -> list[dict]:
    """The purchases as ``relief stock import`` rows {doc, kind, depot, item, qty, source}:
    one receipt document per depot (see the module docstring)."""
    rows = []
    by_depot: dict[str, list] = {}
    for p in result.purchases:
        by_depot.setdefault(p.depot, []).append(p)
    for depot, lines in sorted(by_depot.items()):
        digest = hashlib.sha256("\n".join(f"{p.item},{p.units}" for p in lines).encode()).hexdigest()[:6].upper()
        doc = f"PREP-{today:%Y%m%d}-{depot}-{digest}"
        rows += [{"doc": doc, "kind": "receive", "depot": depot, "item": p.item, "qty": p.units, "source": SOURCE}
                 for p in lines]
    return rows


def write(result: PrepareResult, places: Places, path: str, *, today: date, force: bool = False) -> list[str]:
    """Write ``FILES`` for ``result`` into the folder ``path`` (made if needed), the map
    over the counties and depots of ``places``; returns the paths written. Raises what
    ``check`` raises; then nothing is written."""
    out = check(path, force=force)
    out.mkdir(parents=True, exist_ok=True)
    _csv(out / "purchases.csv", ("depot", "item", "units", "cost_yuan", "m3"),
         [[p.depot, p.item, p.units, p.cost_yuan, p.m3] for p in result.purchases])
    _csv(out / "transfers.csv", ("from", "to", "item", "units", "km", "cost_yuan"),
         [[t.source, t.target, t.item, t.units, t.km, t.cost_yuan] for t in result.transfers])
    _csv(out / "comparison.csv", ("plan", "spent_yuan", "mean_fill", "p5_fill"),
         [[c.name, c.spent_yuan, c.mean, c.p5] for c in result.comparison])
    _map(result, places, out / "map.png")
    _csv(out / "purchases-import.csv", ("doc", "kind", "depot", "item", "qty", "source"),
         [list(r.values()) for r in import_rows(result, today)])
    return [str(out / name) for name in FILES]


def _csv(path: Path, header: tuple[str, ...], rows: list[list]) -> None:
    with outfiles.atomic(path) as partial:
        with partial.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(safe_row(header))
            writer.writerows(safe_row(row) for row in rows)


def _map(result: PrepareResult, places: Places, path: Path) -> None:
    """Depots sized by the yuan of stock bought for them, transfers as arrows."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from relief.routing.outputs.maps import base_map

    spent: dict[str, float] = {}
    for p in result.purchases:
        spent[p.depot] = spent.get(p.depot, 0.0) + p.cost_yuan
    depots = places.depots
    points = [(d.lon, d.lat) for d in depots.values()]
    fig, ax, proj = base_map(places.counties, f"where stock is added: {result.spent_yuan:,.0f} of "
                             f"{result.budget_yuan:,.0f} yuan", points=points)
    xs, ys = proj.xy([d.lon for d in depots.values()], [d.lat for d in depots.values()])
    ax.scatter(xs, ys, s=6, color="#777777", zorder=3)
    top = max(spent.values(), default=0.0)
    moved = {(t.source, t.target) for t in result.transfers}
    for source, target in sorted(moved):
        if source in depots and target in depots:
            (x0, x1), (y0, y1) = proj.xy([depots[source].lon, depots[target].lon],
                                         [depots[source].lat, depots[target].lat])
            ax.annotate("", xy=(x1, y1), xytext=(x0, y0), zorder=4,
                        arrowprops={"arrowstyle": "->", "color": "#2e86c1", "lw": 0.8, "alpha": 0.6})
    for code, yuan in spent.items():
        if code in depots and top > 0:
            x, y = proj.xy([depots[code].lon], [depots[code].lat])
            ax.scatter(x, y, s=30 + 600 * yuan / top, color="#c0392b", alpha=0.6, edgecolor="black", zorder=5)
    ax.legend(handles=[Line2D([], [], marker="o", linestyle="", color="#c0392b", alpha=0.6, markersize=10,
                              label=f"purchases (largest {top:,.0f} yuan)"),
                       Line2D([], [], color="#2e86c1", label=f"transfers ({len(result.transfers)})"),
                       Line2D([], [], marker="o", linestyle="", color="#777777", markersize=4, label="depot")],
              loc="upper center", bbox_to_anchor=(0.5, -0.04), ncol=3, frameon=False, fontsize=9)
    with outfiles.atomic(path) as partial:
        fig.savefig(partial, bbox_inches="tight", format="png")
    plt.close(fig)
