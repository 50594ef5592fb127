"""How well a region copes with a drill: shares met, times, empty depots, restocking.

Pure functions over a ``DispatchProblem`` and the plan it produced. Shares are averaged
over (incident, item) needs as in ``routing.summary``; "within 12 h" counts units whose
truck arrives within 12 hours of the start.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from relief.routing.core.candidates import Network
from relief.routing.core.document import PlanDocument
from relief.routing.core.problem import DispatchProblem
from relief.routing.core.results import PlanResult
from relief.routing.core.summary import incidents as incident_rows
from relief.routing.core.summary import totals

HOURS = (12, 24)


def drill_metrics(p: DispatchProblem, r: PlanResult, document: PlanDocument | None = None, *,
                  emptied: bool = True) -> dict:
    """Metrics of a drill plan: fill (total, weighted, worst), unmet by item and by
    incident, first delivery per incident, share within 12 h and 24 h, team arrivals,
    uncovered team requests and (unless ``emptied`` is False, when the list is left
    empty) depots emptied. The plan's ``document``, when already built, lends its
    incident rows and totals."""
    rows = incident_rows(p, r) if document is None else list(document.incidents)
    t = totals(p, r, rows) if document is None else document.totals
    within = {}
    for hours in HOURS:
        sent: dict[tuple[int, str], int] = {}
        for line in r.shipments:
            if line.minutes <= hours * 60:
                key = (line.incident, line.item)
                sent[key] = sent.get(key, 0) + line.qty
        shares = [min(1.0, sent.get((inc.id, item), 0) / qty) for inc in p.incidents for item, qty in inc.needs]
        within[f"within_{hours}h"] = round(float(np.mean(shares)), 4) if shares else 1.0
    unmet_item: dict[str, int] = {}
    for u in r.unmet:
        unmet_item[u.item] = unmet_item.get(u.item, 0) + u.qty
    firsts = [row.first_arrival_minutes for row in rows if row.first_arrival_minutes is not None]
    return {"fill": t.fill, "weighted_fill": t.weighted_fill, "worst_fill": t.worst_fill,
            "need_units": t.need_units, "unmet_units": t.unmet_units, "weighted_unmet": t.weighted_unmet,
            "tonne_km": t.tonne_km, **within,
            "unmet_by_item": [{"item": k, "qty": v} for k, v in sorted(unmet_item.items(), key=lambda kv: -kv[1])],
            "unmet_by_incident": [asdict(u) for u in r.unmet],
            "first_delivery": [{"incident": row.id, "county": row.county, "minutes": row.first_arrival_minutes}
                               for row in rows],
            "first_delivery_median_minutes": float(np.median(firsts)) if firsts else None,
            "teams": [asdict(t) for t in r.teams], "teams_uncovered": [asdict(u) for u in r.teams_unmet],
            "depots_emptied": depots_emptied(p, r) if emptied else []}


def depots_emptied(p: DispatchProblem, r: PlanResult) -> list[dict]:
    """Depots whose whole available stock of an item the plan sends out: [{depot, items}]."""
    have: dict[tuple[str, str], int] = {}
    for lot in p.lots:
        have[(lot.depot, lot.item)] = have.get((lot.depot, lot.item), 0) + lot.qty
    sent: dict[tuple[str, str], int] = {}
    for line in r.shipments:
        sent[(line.depot, line.item)] = sent.get((line.depot, line.item), 0) + line.qty
    empty: dict[str, list[str]] = {}
    for key, qty in sent.items():
        if qty >= have.get(key, 0):
            empty.setdefault(key[0], []).append(key[1])
    return [{"depot": d, "items": sorted(items)} for d, items in sorted(empty.items())]


def restock(p: DispatchProblem, r: PlanResult, net: Network, hours: int = 12) -> list[dict]:
    """Which depot should hold how much more of which item to close the gap within ``hours``.

    For every incident and item, the units not delivered within ``hours`` are put on the
    nearest depot that can reach the incident within ``hours`` (after any slowed roads);
    returns [{depot, item, qty, incidents}] largest first, and rows with depot None for
    gaps no depot can close in time.
    """
    sent: dict[tuple[int, str], int] = {}
    for line in r.shipments:
        if line.minutes <= hours * 60:
            sent[(line.incident, line.item)] = sent.get((line.incident, line.item), 0) + line.qty
    plan: dict[tuple[str | None, str], dict] = {}
    for n, inc in enumerate(p.incidents):
        minutes = np.where(net.depots.allowed[:, n], net.depots.minutes[:, n], np.iinfo(np.int64).max)
        best = int(np.argmin(minutes)) if len(minutes) else -1
        depot = p.depots[best].code if best >= 0 and minutes[best] <= hours * 60 else None
        for item, qty in inc.needs:
            gap = qty - sent.get((inc.id, item), 0)
            if gap > 0:
                row = plan.setdefault((depot, item), {"depot": depot, "item": item, "qty": 0, "incidents": []})
                row["qty"] += gap
                row["incidents"].append(inc.id)
    return sorted(plan.values(), key=lambda x: (x["depot"] is None, -x["qty"], x["depot"] or "", x["item"]))
