"""How a plan explains itself: per-incident fill, first arrival, totals. Pure functions.

Shares are per item and then averaged, so a tent and a box of masks count alike: an
incident's fill is the mean over its needed items of (units sent / units needed); the
plan's fill is the mean over all (incident, item) needs, its priority-weighted fill
weights each need by its incident's priority weight (8, 4, 2, 1), and the worst fill is
the lowest incident fill. The priority-weighted unmet is the sum over needs of
weight x (unmet share): 8.0 means, say, one whole item-need of a priority-1 incident
or eight of priority-4 incidents left unmet. ``weighted_unmet_units`` weights units.
``shortfall_penalty`` is what the optimizer minimises first, without its scale: the sum
over needs of weight x need x (unmet share)^2.

Time: ``fill_12h`` and ``fill_24h`` are the same mean share counting only units that
arrive within 12 and 24 hours of the plan's start (a line's ``minutes`` is its arrival,
the truck's when the plan has trucks); ``t50_minutes`` and ``t90_minutes`` are the times
by which half and nine tenths of the delivered units have arrived (None when nothing is
sent).
"""

from __future__ import annotations

from relief.routing.core.problem import PRIORITY_WEIGHT, DispatchProblem
from relief.routing.core.results import IncidentFill, PlanResult, Shipment, Totals

HOURS_12, HOURS_24 = 12 * 60, 24 * 60


def _sent_by(lines, limit: int | None = None) -> dict[tuple[int, str], int]:
    sent: dict[tuple[int, str], int] = {}
    for line in lines:
        if limit is None or line.minutes <= limit:
            sent[(line.incident, line.item)] = sent.get((line.incident, line.item), 0) + line.qty
    return sent


def _mean_share(needs, incident: int, sent: dict[tuple[int, str], int]) -> list[float]:
    return [min(1.0, sent.get((incident, item), 0) / qty) for item, qty in needs]


def arrival_quantile(lines: list[Shipment] | tuple[Shipment, ...], share: float) -> int | None:
    """The minute by which ``share`` (0-1) of the units of ``lines`` have arrived; None for no lines."""
    ordered = sorted((line.minutes, line.qty) for line in lines if line.qty > 0)
    total = sum(q for _, q in ordered)
    if not total:
        return None
    running = 0
    for minutes, qty in ordered:
        running += qty
        if running >= share * total - 1e-9:
            return minutes
    return ordered[-1][0]


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 1.0


def incidents(p: DispatchProblem, r: PlanResult) -> list[IncidentFill]:
    """Takes a problem and a result of it; returns one ``IncidentFill`` per incident of
    ``p``, in order: where it is, units needed, share met, first supplies and first team."""
    sent, sent_12, sent_24 = _sent_by(r.shipments), _sent_by(r.shipments, HOURS_12), _sent_by(r.shipments, HOURS_24)
    first: dict[int, int] = {}
    lines_of: dict[int, list[Shipment]] = {}
    for line in r.shipments:
        first[line.incident] = min(first.get(line.incident, line.minutes), line.minutes)
        lines_of.setdefault(line.incident, []).append(line)
    team_first: dict[int, int] = {}
    for team in r.teams:
        team_first[team.incident] = min(team_first.get(team.incident, team.minutes), team.minutes)
    rows = []
    for inc in p.incidents:
        lines = lines_of.get(inc.id, [])
        rows.append(IncidentFill(
            id=inc.id, name=inc.name, county=inc.county, lon=inc.lon, lat=inc.lat, priority=inc.priority,
            need_units=sum(q for _, q in inc.needs), people=inc.people,
            fill=_mean(_mean_share(inc.needs, inc.id, sent)),
            fill_12h=_mean(_mean_share(inc.needs, inc.id, sent_12)),
            fill_24h=_mean(_mean_share(inc.needs, inc.id, sent_24)),
            t50_minutes=arrival_quantile(lines, 0.5), t90_minutes=arrival_quantile(lines, 0.9),
            first_arrival_minutes=first.get(inc.id), first_team_minutes=team_first.get(inc.id),
            unmet_items=tuple(sorted(item for item, qty in inc.needs if sent.get((inc.id, item), 0) < qty))))
    return rows


def totals(p: DispatchProblem, r: PlanResult, rows: list[IncidentFill] | None = None) -> Totals:
    """Takes a problem, a result of it and, when already made, its ``incidents`` rows;
    returns the plan's ``Totals``: units, fill
    shares, tonne-km, priority-weighted unmet, uncovered team requests (``team_requests_uncovered``:
    teams missing, a request short only of people counting as one; ``team_people_uncovered``:
    people missing)."""
    sent: dict[tuple[int, str], int] = {}
    for line in r.shipments:
        sent[(line.incident, line.item)] = sent.get((line.incident, line.item), 0) + line.qty
    sent_12, sent_24 = _sent_by(r.shipments, HOURS_12), _sent_by(r.shipments, HOURS_24)
    shares_12 = [s for inc in p.incidents for s in _mean_share(inc.needs, inc.id, sent_12)]
    shares_24 = [s for inc in p.incidents for s in _mean_share(inc.needs, inc.id, sent_24)]
    shares, weighted, weights, weighted_unmet, penalty = [], 0.0, 0.0, 0.0, 0.0
    need_units = unmet_units = weighted_units = 0
    for inc in p.incidents:
        w = PRIORITY_WEIGHT[inc.priority]
        for item, qty in inc.needs:
            got = min(qty, sent.get((inc.id, item), 0))
            share = got / qty
            shares.append(share)
            weighted += w * share
            weights += w
            need_units += qty
            unmet_units += qty - got
            weighted_unmet += w * (1.0 - share)
            weighted_units += w * (qty - got)
            penalty += w * qty * (1.0 - share) ** 2
    fills = [row.fill for row in (incidents(p, r) if rows is None else rows)]
    tonne_km = sum(line.qty * p.weight_kg[line.item] * line.km for line in r.shipments) / 1000.0
    tonnes = sum(line.qty * p.weight_kg[line.item] for line in r.shipments) / 1000.0
    return Totals(incidents=len(p.incidents), need_units=need_units, shipped_units=need_units - unmet_units,
                  unmet_units=unmet_units, fill=_mean(shares), fill_12h=_mean(shares_12), fill_24h=_mean(shares_24),
                  t50_minutes=arrival_quantile(r.shipments, 0.5), t90_minutes=arrival_quantile(r.shipments, 0.9),
                  weighted_fill=round(weighted / weights, 4) if weights else 1.0,
                  worst_fill=round(min(fills), 4) if fills else 1.0,
                  weighted_unmet=round(weighted_unmet, 3), weighted_unmet_units=weighted_units,
                  shortfall_penalty=round(penalty, 1), tonnes=round(tonnes, 2), tonne_km=round(tonne_km, 1),
                  shipment_lines=len(r.shipments), teams_sent=len(r.teams),
                  team_requests_uncovered=sum(t.count or int(t.people > 0) for t in r.teams_unmet),
                  team_people_uncovered=sum(t.people for t in r.teams_unmet),
                  trucks=len(r.trucks), truck_km=round(sum(t.km for t in r.trucks), 1))
