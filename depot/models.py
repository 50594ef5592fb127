"""The database schema: one SQLModel table class per record kind.

Region data (counties, depots, items, norms, teams) is loaded once by ``relief init``.
Stock lives in ``Balance`` rows (one per depot, item and lot), and every change to a
balance is a ``Movement`` row in an append-only ledger grouped by ``Document``.
"""

# No ``from __future__ import annotations``: with it, pydantic and SQLAlchemy would each
# parse every field's annotation back from a string when the classes are defined, which
# every command pays for at start-up.
from datetime import date, datetime

from pydantic import ConfigDict
from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

MOVEMENT_KINDS = (
    "opening", "receive", "issue", "transfer_out", "transfer_in", "adjust", "count",
    "reserve", "release", "dispatch",
)


class Record(SQLModel):
    """Base of the table classes: a class's pydantic validator is built when a row of it is
    first validated, not when this module is imported (a keeper command never needs most)."""

    model_config = ConfigDict(defer_build=True)


class Meta(Record, table=True):
    """Key/value facts about the database: region name, household size, schema version."""

    key: str = Field(primary_key=True)
    value: str


class County(Record, table=True):
    """A county-level division with its boundary (GeoJSON text) and census population."""

    adcode: str = Field(primary_key=True, max_length=6)
    name: str
    league: str
    population: int
    lon: float
    lat: float
    geometry: str


class Depot(Record, table=True):
    """A relief-supply warehouse at region, league or county level."""

    code: str = Field(primary_key=True)
    name: str
    level: str
    county: str = Field(foreign_key="county.adcode")
    lon: float
    lat: float
    capacity_m3: float
    outbound_t_day: float


class Item(Record, table=True):
    """A catalogue item; ``shelf_life_days`` is None for durable goods."""

    code: str = Field(primary_key=True)
    name: str
    name_en: str
    unit: str
    weight_kg: float
    volume_m3: float
    shelf_life_days: int | None = None
    category: str


class ReserveNorm(Record, table=True):
    """Minimum and maximum units of an item a depot of a given level should hold."""

    level: str = Field(primary_key=True)
    item: str = Field(primary_key=True, foreign_key="item.code")
    min_qty: int
    max_qty: int


class Team(Record, table=True):
    """A relief or rescue team with its home base, headcount, skills (``;``-separated) and
    readiness; its own road speed (km/h) and mobilisation time (minutes), None for the
    plan's speed and default mobilisation."""

    code: str = Field(primary_key=True)
    name: str
    kind: str
    base: str
    lon: float
    lat: float
    members: int
    vehicles: int
    skills: str
    status: str
    speed_kmh: float | None = None
    mobilise_min: int | None = None


class Lot(Record, table=True):
    """A production lot of an item; the same lot may lie in several depots."""

    item: str = Field(primary_key=True, foreign_key="item.code")
    code: str = Field(primary_key=True)
    expires: date | None = None


class Balance(Record, table=True):
    """Units of one lot of one item at one depot: on hand, and reserved for plans."""

    depot: str = Field(primary_key=True, foreign_key="depot.code")
    item: str = Field(primary_key=True, foreign_key="item.code")
    lot: str = Field(primary_key=True)
    on_hand: int = Field(default=0, sa_type=BigInteger)
    reserved: int = Field(default=0, sa_type=BigInteger)


class Document(Record, table=True):
    """A document number already recorded, with a fingerprint of what it did."""

    number: str = Field(primary_key=True)
    kind: str
    fingerprint: str
    at: datetime
    actor: str
    lines: int


class Movement(Record, table=True):
    """One ledger line: a change of on-hand and reserved units of a lot at a depot.

    ``hash`` chains it to the movement before it (``depot.chain``)."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    kind: str
    depot: str = Field(index=True)
    item: str = Field(index=True)
    lot: str
    qty: int = Field(sa_type=BigInteger)
    reserved_delta: int = Field(default=0, sa_type=BigInteger)
    doc: str = Field(index=True)
    actor: str = ""
    reason: str | None = None
    counterparty: str | None = None
    note: str | None = None
    hash: str = Field(max_length=64)


class Incident(Record, table=True):
    """A place where people need relief: location, county, people displaced, priority 1-4."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    lon: float
    lat: float
    county: str = Field(foreign_key="county.adcode")
    people: int = 0
    priority: int = 3
    status: str = "open"
    created_at: datetime


class IncidentNeed(Record, table=True):
    """Units of an item an incident needs."""

    incident: int = Field(primary_key=True, foreign_key="incident.id")
    item: str = Field(primary_key=True, foreign_key="item.code")
    qty: int


class IncidentTeam(Record, table=True):
    """A team request of an incident: ``count`` teams and/or ``people`` people of a team
    kind or a skill (``kind``)."""

    incident: int = Field(primary_key=True, foreign_key="incident.id")
    kind: str = Field(primary_key=True)
    count: int
    people: int = 0


class Plan(Record, table=True):
    """A dispatch plan: draft, committed (stock reserved, teams deployed), shipped or cancelled.

    ``document`` holds the plan as JSON text (what ``dispatch plan --json`` prints)."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime
    status: str = "draft"
    method: str
    document: str


class PlanShipment(Record, table=True):
    """One line of a plan: units of a lot from a depot to an incident."""

    id: int | None = Field(default=None, primary_key=True)
    plan: int = Field(index=True, foreign_key="plan.id")
    depot: str
    incident: int
    item: str
    lot: str
    qty: int
    km: float
    minutes: int


class PlanTeam(Record, table=True):
    """A team sent to an incident by a plan, and the team request of the incident it covers."""

    plan: int = Field(primary_key=True, foreign_key="plan.id")
    team: str = Field(primary_key=True)
    incident: int
    km: float
    minutes: int
    request: str = ""


class Account(Record, table=True):
    """A person (or script) who signs in to the server: a role, and a password kept only as
    an argon2 hash. A disabled account cannot sign in and its tokens stop working."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    role: str
    password_hash: str
    disabled: bool = False
    created_at: datetime
    created_by: str = ""


class AccountScope(Record, table=True):
    """A depot (``kind`` ``depot``) or league (``kind`` ``league``) an account may act on."""

    account: int = Field(primary_key=True, foreign_key="account.id")
    kind: str = Field(primary_key=True)
    code: str = Field(primary_key=True)


class AccessToken(Record, table=True):
    """A bearer token or sign-in session of an account, kept only as its SHA-256 digest.

    ``kind`` is ``script`` (``relief token create``), ``bearer`` (``POST /api/token``) or
    ``session`` (the web pages); each expires at ``expires_at``."""

    id: int | None = Field(default=None, primary_key=True)
    account: int = Field(index=True, foreign_key="account.id")
    kind: str
    digest: str = Field(unique=True, max_length=64)
    label: str = ""
    created_at: datetime
    expires_at: datetime
    revoked: bool = False


class AuditEvent(Record, table=True):
    """One line of the audit log: a sign-in, a failed sign-in, a permission refusal, a change
    to an account or token. ``account`` is the name given (also when no such account
    exists), ``address`` the client's address when it came over the network."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    event: str = Field(index=True)
    account: str = Field(default="", index=True)
    actor: str = ""
    address: str = ""
    detail: str = ""
