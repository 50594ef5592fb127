"""Read-only pages of the books: the dashboard and a depot's stock card.

The dashboard is scoped to the account (a keeper's depots, a coordinator's leagues, the
whole region for the other roles) and reads everything in a few aggregate queries and
the report functions of ``depot.reports``, so it stays quick on a region of a hundred depots.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import func
from sqlmodel import select

from relief.depot import db, reports
from relief.depot.access import Principal
from relief.depot.models import Balance, County, Depot, Incident, Item, Plan, ReserveNorm
from relief.errors import InvalidInput
from relief.web.auth import page_user
from relief.web.pages_common import ROW_LIMIT, render, scoped_depots, today, url

router = APIRouter()


@router.get("/", include_in_schema=False)
def dashboard(request: Request, who: Principal = Depends(page_user)) -> Response:
    """The dashboard of ``who``'s scope: stock against norms, low and expiring stock,
    storage used, open incidents and committed plans."""
    return render(request, "dashboard.html", who=who, limit=ROW_LIMIT, **overview(url(request), who))


def overview(target: str, who: Principal) -> dict:
    """What the dashboard shows for ``who`` on the database at ``target``: ``scope`` (text),
    ``norms``, ``low``, ``expiring``, ``storage``, ``incidents`` and ``plans`` (lists of dicts)."""
    day = today()
    with db.session(target) as s:
        depots = scoped_depots(s, who)
        codes = {code for code, _, _ in depots}
        leagues = {league for _, _, league in depots}
        levels = dict(s.exec(select(Depot.code, Depot.level)).all())
        capacity = dict(s.exec(select(Depot.code, Depot.capacity_m3)).all())
        norm_rows = s.exec(select(ReserveNorm.level, ReserveNorm.item, ReserveNorm.min_qty)).all()
        have = reports.totals(s, today=day)
        low = [r for r in reports.low(s, today=day) if r["depot"] in codes]
        expiring = [r for r in reports.expiring(s, days=90, today=day) if r["depot"] in codes]
        used = dict(s.exec(select(Balance.depot, func.sum(Balance.on_hand * Item.volume_m3))
                           .join(Item, Item.code == Balance.item).group_by(Balance.depot)).all())
        open_incidents = s.exec(select(Incident, County.name, County.league)
                                .join(County, County.adcode == Incident.county)
                                .where(Incident.status == "open").order_by(Incident.id)).all()
        committed = s.exec(select(Plan.id, Plan.created_at, Plan.method).where(Plan.status == "committed")
                           .order_by(Plan.id)).all()
    norms: dict[str, list[tuple[str, int]]] = {}
    for level, item, minimum in norm_rows:
        norms.setdefault(level, []).append((item, minimum))
    short_by_depot: dict[str, int] = {}
    for row in low:
        short_by_depot[row["depot"]] = short_by_depot.get(row["depot"], 0) + 1
    norm_table, storage = [], []
    for code, name, league in depots:
        wanted = norms.get(levels[code], [])
        need = sum(minimum for _, minimum in wanted)
        met = sum(min(have.get((code, item), {}).get("available", 0), minimum) for item, minimum in wanted)
        norm_table.append({"depot": code, "name": name, "level": levels[code], "league": league,
                           "normed": len(wanted), "below": short_by_depot.get(code, 0),
                           "met": met / need if need else None})
        volume = float(used.get(code) or 0.0)
        storage.append({"depot": code, "name": name, "used": round(volume, 1), "capacity": capacity[code],
                        "share": volume / capacity[code] if capacity[code] else None})
    regionwide = who.role != "coordinator" or not who.leagues
    incidents = [{"id": i.id, "name": i.name, "county": county, "league": league, "people": i.people,
                  "priority": i.priority} for i, county, league in open_incidents if regionwide or league in leagues]
    plans = [{"id": pid, "created_at": created.isoformat(timespec="minutes") if created else "", "method": method}
             for pid, created, method in committed]
    return {"scope": who.scope_text(), "norms": norm_table, "low": low, "expiring": expiring, "storage": storage,
            "incidents": incidents, "plans": plans}


@router.get("/depots/{code}", include_in_schema=False)
def stock_card(request: Request, code: str, who: Principal = Depends(page_user)) -> Response:
    """A depot's stock card: its lots (expiry, on hand, reserved, available) and its
    newest ledger lines with actor and document; 404 for an unknown depot."""
    try:
        with db.session(url(request)) as s:
            depot = s.get(Depot, reports.check_depot(s, code))
            lots = reports.stock(s, depot=depot.code, today=today())
            history = reports.history(s, depot=depot.code, limit=ROW_LIMIT)
    except InvalidInput as exc:
        return render(request, "error.html", who=who, status=404, message=str(exc))
    return render(request, "depot.html", who=who, depot=depot, lots=lots, history=history)
