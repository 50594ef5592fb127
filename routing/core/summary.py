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
"""

from __future__ import annotations

from relief.routing.core.problem import PRIORITY_WEIGHT, DispatchProblem
from relief.routing.core.results import IncidentFill, PlanResult, Totals


def incidents(p: DispatchProblem, r: PlanResult) -> list[IncidentFill]:
    """Takes a problem and a result of it; returns one ``IncidentFill`` per incident of
    ``p``, in order: where it is, units needed, share met, first supplies and first team."""
    sent: dict[tuple[int, str], int] = {}
    first: dict[int, int] = {}
    for line in r.shipments:
        key = (line.incident, line.item)
        sent[key] = sent.get(key, 0) + line.qty
        first[line.incident] = min(first.get(line.incident, line.minutes), line.minutes)
    team_first: dict[int, int] = {}
    for team in r.teams:
        team_first[team.incident] = min(team_first.get(team.incident, team.minutes), team.minutes)
    rows = []
    for inc in p.incidents:
        shares = [min(1.0, sent.get((inc.id, item), 0) / qty) for item, qty in inc.needs]
        rows.append(IncidentFill(
            id=inc.id, name=inc.name, county=inc.county, lon=inc.lon, lat=inc.lat, priority=inc.priority,
            need_units=sum(q for _, q in inc.needs), people=inc.people,
            fill=round(sum(shares) / len(shares), 4) if shares else 1.0,
            first_arrival_minutes=first.get(inc.id), first_team_minutes=team_first.get(inc.id),
            unmet_items=tuple(sorted(item for item, qty in inc.needs if sent.get((inc.id, item), 0) < qty))))
    return rows


def totals(p: DispatchProblem, r: PlanResult) -> Totals:
    """Takes a problem and a result of it; returns the plan's ``Totals``: units, fill
    shares, tonne-km, priority-weighted unmet, uncovered team requests."""
    sent: dict[tuple[int, str], int] = {}
    for line in r.shipments:
        sent[(line.incident, line.item)] = sent.get((line.incident, line.item), 0) + line.qty
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
    fills = [row.fill for row in incidents(p, r)]
    tonne_km = sum(line.qty * p.weight_kg[line.item] * line.km for line in r.shipments) / 1000.0
    tonnes = sum(line.qty * p.weight_kg[line.item] for line in r.shipments) / 1000.0
    return Totals(incidents=len(p.incidents), need_units=need_units, shipped_units=need_units - unmet_units,
                  unmet_units=unmet_units, fill=round(sum(shares) / len(shares), 4) if shares else 1.0,
                  weighted_fill=round(weighted / weights, 4) if weights else 1.0,
                  worst_fill=round(min(fills), 4) if fills else 1.0,
                  weighted_unmet=round(weighted_unmet, 3), weighted_unmet_units=weighted_units,
                  shortfall_penalty=round(penalty, 1), tonnes=round(tonnes, 2), tonne_km=round(tonne_km, 1),
                  shipment_lines=len(r.shipments), teams_sent=len(r.teams),
                  team_requests_uncovered=sum(t.count for t in r.teams_unmet))
