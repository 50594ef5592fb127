"""Drills over the HTTP API: a shipped scenario by name, or an uploaded scenario file.

``POST /api/drills`` takes either JSON ``{"scenario": NAME, "method": ...}``, where NAME
must be one of the scenarios shipped with relief (never a path on the server), or a
multipart form with the scenario TOML as ``file`` (at most 1 MB) and an optional
``method``. Either way the scenario is read from its text (never from a file the request
names) and run through ``routing.office`` (admin, coordinator, planner); the answer is what
``relief drill run --json`` prints. A drill only reads the books.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from relief.depot.access import Principal
from relief.errors import InvalidInput
from relief.routing import office
from relief.routing.drills import run as drills
from relief.routing.drills import scenario as scenarios
from relief.routing.drills.scenario import Scenario
from relief.web.api_common import Body, User, read_upload, url_of
from relief.web.clock import today

router = APIRouter(tags=["drills"])
MAX_SCENARIO = 1024 * 1024
FORM_FIELDS = {"file", "method"}
BODY = {"required": True, "content": {
    "application/json": {"schema": {"type": "object", "additionalProperties": False, "required": ["scenario"],
                                    "properties": {"scenario": {"type": "string",
                                                                "description": "a shipped scenario's name"},
                                                   "method": {"type": "string", "enum": ["optimal", "greedy"]}}}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                       "properties": {"file": {"type": "string", "format": "binary",
                                                               "description": "a scenario TOML, at most 1 MB"},
                                                      "method": {"type": "string", "enum": ["optimal", "greedy"]}}}}}}


class DrillRequest(Body):
    """``POST /api/drills`` as JSON: a shipped scenario's name and the plan method."""

    scenario: str
    method: str = "optimal"


@router.post("/drills", openapi_extra={"requestBody": BODY})
async def drill(request: Request, who: User) -> dict:
    """Run one scenario against a copy of the live books; 200 with the drill report.

    Raises ``InvalidInput`` (422) for an unknown scenario name, a file that is not .toml or
    unknown form fields, ``ScenarioError`` (422) for a bad scenario, ``Forbidden`` (403)
    for a keeper or viewer; 413 for a file above 1 MB."""
    if request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        async with request.form(max_files=len(FORM_FIELDS), max_fields=len(FORM_FIELDS)) as form:
            unknown = sorted(set(form.keys()) - FORM_FIELDS)
            if unknown:
                raise InvalidInput(f"unknown form field {', '.join(unknown)}; send file and optionally method",
                                   field=unknown[0])
            upload, method = form.get("file"), form.get("method") or "optimal"
            if not isinstance(upload, UploadFile):
                raise InvalidInput("file must be a scenario TOML file sent as the multipart field file", field="file")
            if Path(upload.filename or "").suffix.lower() != ".toml":
                raise InvalidInput("file must be a scenario .toml file", field="file")
            data = read_upload(upload.file, MAX_SCENARIO, "the scenario file")
        chosen = scenarios.from_text(data, "the scenario file")
    else:
        body = await _json_body(request)
        chosen, method = scenarios.shipped(body.scenario), body.method  # a shipped name only, never a file
    if not isinstance(method, str):
        raise InvalidInput("method must be text: optimal or greedy", field="method")
    return await run_in_threadpool(_run, url_of(request), who, chosen, method)


async def _json_body(request: Request) -> DrillRequest:
    try:
        raw = await request.json()
    except ValueError:
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body",), "msg": "JSON decode error",
                                       "input": None}]) from None
    try:
        return DrillRequest.model_validate(raw)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]) \
            from None


def _run(url: str, who: Principal, chosen: Scenario, method: str) -> dict:
    return drills.as_json(office.drill(url, who, chosen, today=today(), method=method))
