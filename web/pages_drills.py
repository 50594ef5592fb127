"""The drill page: run a shipped scenario, or an uploaded one, and read its report.

A drill reads a copy of the stock and writes nothing. The report's map and chart are
drawn by ``routing.outputs.drill_report`` into a temporary folder and shown inline as
``data:`` images. Only the names of the shipped scenarios are accepted from the form
(never a path), and an uploaded TOML file is kept under a fixed name in a temporary folder.
"""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from relief.depot.access import Principal
from relief.depot.datafiles import shipped_scenarios
from relief.errors import ReliefError, UnknownScenario
from relief.routing import books, office
from relief.routing.drills import scenario as scenarios
from relief.routing.drills import view
from relief.routing.drills.run import DrillReport
from relief.routing.outputs import drill_report
from relief.web import uploads
from relief.web.auth import page_user
from relief.web.errors import status_of
from relief.web.pages_common import csrf, form, render, today, url

router = APIRouter()
MAX_SCENARIO = 1024 * 1024


@router.get("/drills", include_in_schema=False)
def drills_page(request: Request, who: Principal = Depends(page_user)) -> Response:
    """The form to run a drill."""
    return _page(request, who)


@router.post("/drills", include_in_schema=False)
async def run_drill(request: Request, who: Principal = Depends(page_user)) -> Response:
    """Run the chosen scenario (or the uploaded TOML file) as ``who`` (planner, coordinator,
    admin): the page with the report, its map and chart; or with the error and its status."""
    data = await form(request)
    return await run_in_threadpool(_run_drill, request, who, data)


def _run_drill(request: Request, who: Principal, data: dict) -> Response:
    csrf(request, data)
    upload = data.get("file")
    chosen = str(data.get("scenario") or "")
    try:
        with tempfile.TemporaryDirectory(prefix="relief-drill-") as folder:
            if isinstance(upload, UploadFile) and upload.filename:
                content = uploads.read(upload.file, MAX_SCENARIO, "the scenario file")
                scenario = scenarios.from_text(content, "the scenario file")
            else:
                names = [s.name for s in shipped_scenarios()]
                if chosen not in names:
                    raise UnknownScenario(f"scenario must be one of {', '.join(names)}; got {chosen!r}",
                                          field="scenario")
                scenario = scenarios.shipped(chosen)
            report = office.drill(url(request), who, scenario, today=today())
            images = _images(report, url(request), Path(folder) / "out")
    except ReliefError as exc:
        return _page(request, who, status=status_of(exc), error=str(exc), chosen=chosen)
    return _page(request, who, report=report, images=images, chosen=chosen, summary=_summary(report))


def _page(request: Request, who: Principal, *, status: int = 200, **context) -> Response:
    return render(request, "drills.html", who=who, status=status, scenarios=shipped_scenarios(), **context)


def _images(report: DrillReport, target: str, folder: Path) -> dict[str, str]:
    drill_report.write_run(report, books.places(target), str(folder))
    return {name: "data:image/png;base64," + base64.b64encode((folder / f"{name}.png").read_bytes()).decode("ascii")
            for name in ("map", "chart")}


def _summary(report: DrillReport) -> dict:
    unmet = {u["item"]: u["qty"] for u in report.metrics.get("unmet_by_item", [])}
    needs = [{"item": n["item"], "qty": n["qty"], "unmet": unmet.get(n["item"], 0),
              "met": 1 - unmet.get(n["item"], 0) / n["qty"] if n["qty"] else None}
             for n in sorted(report.needs, key=lambda n: -unmet.get(n["item"], 0))]
    rows = report.affected
    return {"displaced": sum(a["displaced"] for a in rows), "blizzard": view.is_blizzard(report),
            "households": sum(a.get("households", 0) for a in rows), "fodder_t": sum(a.get("fodder_t", 0) for a in rows),
            "road_km": sum(a.get("road_km", 0) for a in rows),
            "affected": sorted(rows, key=lambda a: -a["displaced"]), "needs": needs}
