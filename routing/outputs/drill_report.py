"""What a drill leaves in ``--out``: a Markdown report, a map and a chart (PNG), JSON.

Documents in, files out: the writers take a drill report (or a batch result) and the
``Places`` read by the caller through ``routing.books``; they never open a database.
They replace no file of the same name unless asked (``force``) and write each file
under a temporary name, renamed when complete (``depot.outfiles``).
"""

from __future__ import annotations

import json
from pathlib import Path

from relief.depot import outfiles
from relief.errors import InvalidFile
from relief.routing.drills import view
from relief.routing.drills.run import DrillReport, as_json
from relief.routing.outputs.places import Places


# The files a drill run and a batch write into their folder.
RUN_FILES = ("report.md", "map.png", "chart.png", "drill.json")
BATCH_FILES = ("batch.json", "share_met.png", "short_map.png")


def check(path: str, names: tuple[str, ...], *, force: bool = False) -> Path:
    """Check, before a drill runs, that the folder ``path`` can take the files ``names``
    (``RUN_FILES`` or ``BATCH_FILES``); returns it as a path. Raises ``InvalidFile`` when
    ``path`` is a file and ``Refused`` (``option="force"``) when one of the files exists
    and ``force`` is not given."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise InvalidFile(f"output {path} is a file; give a folder", option="output")
    outfiles.claim([out / n for n in names], force=force)
    return out


def folder(path: str, names: tuple[str, ...] = (), *, force: bool = False) -> Path:
    """Create (if needed) and return the output folder, after ``check``; raises what it raises."""
    out = check(path, names, force=force)
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_run(report: DrillReport, places: Places, path: str, *, force: bool = False) -> list[str]:
    """Write drill.json, map.png, chart.png and report.md for one drill into the folder
    ``path`` (made if needed); returns the paths. Raises what ``check`` raises; then
    nothing is written."""
    import matplotlib.pyplot as plt

    from relief.routing.outputs.maps import base_map, draw_flows

    out = folder(path, RUN_FILES, force=force)
    with outfiles.atomic(out / "drill.json") as partial:
        partial.write_text(json.dumps(as_json(report), ensure_ascii=False, indent=2), encoding="utf-8")
    earthquake = report.scenario["hazard"]["type"] == "earthquake"
    shade = ({f["county"]: f["intensity"] for f in report.felt} if earthquake else
             {a["county"]: a["displaced"] / max(a["population"], 1) for a in report.affected})
    fig, ax, proj = base_map(places.counties, f"drill: {report.scenario['name']}", shade,
                             "intensity (population-weighted)" if earthquake else "share of people displaced",
                             "YlOrRd")
    if report.plan:
        draw_flows(ax, report.plan, places, proj)
    with outfiles.atomic(out / "map.png") as partial:
        fig.savefig(partial, bbox_inches="tight", format="png")
    plt.close(fig)
    with outfiles.atomic(out / "chart.png") as partial:
        _chart(report, partial)
    with outfiles.atomic(out / "report.md") as partial:
        partial.write_text(markdown(report), encoding="utf-8")
    return [str(out / n) for n in RUN_FILES]


def _chart(report: DrillReport, path: Path) -> None:
    import matplotlib.pyplot as plt

    need = {n["item"]: n["qty"] for n in report.needs}
    unmet = {u["item"]: u["qty"] for u in report.metrics.get("unmet_by_item", [])}
    items = sorted(need, key=lambda i: -need[i])
    fig, ax = plt.subplots(figsize=(10, 5), dpi=110)
    ax.bar(items, [need[i] - unmet.get(i, 0) for i in items], color="#2e86c1", label="met")
    ax.bar(items, [unmet.get(i, 0) for i in items], bottom=[need[i] - unmet.get(i, 0) for i in items],
           color="#e74c3c", label="unmet")
    ax.set_ylabel("units")
    ax.set_title(f"need met by item - {report.scenario['name']}", loc="left")
    ax.tick_params(axis="x", rotation=60)
    ax.legend()
    fig.savefig(path, bbox_inches="tight", format="png")
    plt.close(fig)


def _cell(value) -> str:
    return f"{value:,}" if isinstance(value, (int, float)) else str(value)


def markdown(report: DrillReport) -> str:
    """The drill report as Markdown (for a briefing or an after-action review)."""
    s, m = report.scenario, report.metrics
    lines = [f"# Drill: {s['name']}", "", f"Start {s['start']}; hazard: " +
             ", ".join(f"{k} {v}" for k, v in s["hazard"].items() if v not in (None, (), [])), ""]
    if s.get("description"):
        lines += [s["description"], ""]
    columns = view.affected_columns(report)
    lines += [f"**{view.headline(report)}.** "
              f"Need met {m['fill']:.0%} (priority-weighted {m['weighted_fill']:.0%}, worst incident {m['worst_fill']:.0%}); "
              f"within 12 h {m.get('within_12h', 1):.0%}, within 24 h {m.get('within_24h', 1):.0%}.", "",
              "![map](map.png)", "", "![need met by item](chart.png)", "", "## Affected counties", "",
              "| " + " | ".join(label for _, label in columns) + " |",
              "|---|---|" + "---:|" * (len(columns) - 2)]
    lines += ["| " + " | ".join(_cell(a.get(key, "-")) for key, _ in columns) + " |" for a in report.affected]
    unmet = {u["item"]: u["qty"] for u in m.get("unmet_by_item", [])}
    lines += ["", "## Need by item", "", "| item | need | unmet | met |", "|---|---:|---:|---:|"]
    lines += [f"| {n['item']} | {n['qty']:,} | {unmet.get(n['item'], 0):,} | {1 - unmet.get(n['item'], 0) / n['qty']:.0%} |"
              for n in report.needs] or ["| - | 0 | 0 | - |"]
    short: dict[int, list[str]] = {}
    for u in m.get("unmet_by_incident", []):
        short.setdefault(u["incident"], []).append(f"{u['item']} {u['qty']:,}")
    lines += ["", "## Incidents", "", "| incident | county | priority | people | need met | first delivery (min) | unmet |",
              "|---|---|---:|---:|---:|---:|---|"]
    lines += [f"| {r.id} {r.name} | {r.county} | {r.priority} | {r.people:,} | {r.fill:.0%} | "
              f"{r.first_arrival_minutes if r.first_arrival_minutes is not None else 'none'} | "
              f"{', '.join(short.get(r.id, [])) or '-'} |" for r in (report.plan.incidents if report.plan else ())]
    lines += ["", "## Teams", ""]
    lines += [f"- {t['team']} ({t['kind']}) to incident {t['incident']}: {t['minutes'] // 60}:{t['minutes'] % 60:02d}"
              for t in m.get("teams", [])] or ["- none sent"]
    lines += [f"- no {u['kind']} team for incident {u['incident']} ({u['count']})" for u in m.get("teams_uncovered", [])
              if u["count"]]
    lines += [f"- {u['people']:,} {u['kind']} people not covered for incident {u['incident']}"
              for u in m.get("teams_uncovered", []) if u.get("people")]
    lines += ["", "## Depots emptied", ""]
    lines += [f"- {d['depot']}: {', '.join(d['items'])}" for d in m.get("depots_emptied", [])] or ["- none"]
    lines += ["", "## Restocking to close the gap within 12 h", "", "| depot | item | units |", "|---|---|---:|"]
    lines += [f"| {r['depot'] or 'no depot within 12 h'} | {r['item']} | {r['qty']:,} |" for r in report.restock]
    return "\n".join(lines) + "\n"


def write_batch(result: dict, places: Places, path: str, *, force: bool = False) -> list[str]:
    """Write batch.json, a histogram of share met and a map of how often each county is
    short (over the counties of ``places``) into the folder ``path``; returns the paths.
    Raises what ``check`` raises; then nothing is written."""
    import matplotlib.pyplot as plt

    from relief.routing.outputs.maps import base_map

    out = folder(path, BATCH_FILES, force=force)
    with outfiles.atomic(out / "batch.json") as partial:
        partial.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    ax.hist([s["fill"] for s in result["scenarios"]], bins=20, range=(0, 1), color="#2e86c1", edgecolor="white")
    ax.set_xlabel("share of need met")
    ax.set_ylabel("scenarios")
    ax.set_title(f"{result['n']} {result['hazard']} scenarios (seed {result['seed']}): mean {result['fill']['mean']:.0%}, "
                 f"5th percentile {result['fill']['p5']:.0%}", loc="left")
    with outfiles.atomic(out / "share_met.png") as partial:
        fig.savefig(partial, bbox_inches="tight", format="png")
    plt.close(fig)
    short: dict[str, int] = {}
    for s in result["scenarios"]:
        for county, fill in s["county_fill"].items():
            if fill < 0.999:
                short[county] = short.get(county, 0) + 1
    fig, _, _ = base_map(places.counties,
                         f"how often each county is left short ({result['n']} {result['hazard']} scenarios)",
                         {c: k / result["n"] for c, k in short.items()}, "share of scenarios short", "Reds")
    with outfiles.atomic(out / "short_map.png") as partial:
        fig.savefig(partial, bbox_inches="tight", format="png")
    plt.close(fig)
    return [str(out / n) for n in BATCH_FILES]
