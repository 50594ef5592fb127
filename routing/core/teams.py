"""Teams to team requests: who goes where, by skill and headcount.

A request (``problem.TeamRequest``) wants a number of teams and/or a number of people
with one skill; a ready team covers it when it has the skill (or is of the kind asked)
and can reach the incident (``Network.teams.allowed``). Each team goes to at most one
request, at its own speed after its own mobilisation (``candidates.network``), and
several teams may be combined to reach a headcount.

``assign_teams`` is the optimal assignment (``solver.solve_teams``, CP-SAT), in this
order: (1) the priority-weighted people not covered, a missing team counting as many
people as an average ready team; (2) the priority-weighted minutes until the teams sent
arrive, so the team that arrives soonest is preferred; (3) the people sent beyond the
headcounts asked, so a small team goes to a small request when it arrives as soon.
"""

from __future__ import annotations

import numpy as np

from relief.routing.core import solver
from relief.routing.core.candidates import Network, weights
from relief.routing.core.problem import DispatchProblem, TeamRequest
from relief.routing.core.results import TeamShortfall, TeamTrip


def team_requests(p: DispatchProblem) -> list[tuple[int, TeamRequest]]:
    """Takes a problem; returns (incident index, request) for every team request of ``p``
    that asks for at least one team or person, in incident order."""
    return [(n, ask) for n, inc in enumerate(p.incidents) for ask in inc.teams if ask.teams > 0 or ask.people > 0]


def able(p: DispatchProblem, net: Network, requests: list[tuple[int, TeamRequest]]) -> np.ndarray:
    """Takes a problem, its network and its requests; returns a (teams, requests) mask of
    the teams that have the skill of a request and can reach its incident."""
    skill = np.array([[t.able(ask.need) for _, ask in requests] for t in p.teams], bool).reshape(
        len(p.teams), len(requests))
    incident = np.array([n for n, _ in requests], np.int64)
    return skill & net.teams.allowed[:, incident]


def trip(p: DispatchProblem, net: Network, team: int, incident: int, ask: TeamRequest) -> TeamTrip:
    """The ``TeamTrip`` of team index ``team`` sent to incident index ``incident`` for ``ask``."""
    t = p.teams[team]
    return TeamTrip(t.code, t.kind, p.incidents[incident].id, round(float(net.teams.km[team, incident]), 1),
                    int(net.teams.minutes[team, incident]), t.members, ask.name)


def shortfalls(p: DispatchProblem, requests: list[tuple[int, TeamRequest]],
               trips: list[TeamTrip]) -> list[TeamShortfall]:
    """Takes a problem, its requests and the trips a method chose; returns what each
    request still lacks (teams and people), one ``TeamShortfall`` per request short."""
    sent: dict[tuple[int, str], tuple[int, int]] = {}
    for t in trips:
        teams, people = sent.get((t.incident, t.request), (0, 0))
        sent[(t.incident, t.request)] = (teams + 1, people + t.members)
    out = []
    for n, ask in requests:
        teams, people = sent.get((p.incidents[n].id, ask.name), (0, 0))
        short = TeamShortfall(p.incidents[n].id, ask.name, max(ask.teams - teams, 0), max(ask.people - people, 0))
        if short.count or short.people:
            out.append(short)
    return out


def nearest_first(p: DispatchProblem, net: Network, order: list[int]) -> list[TeamTrip]:
    """The rule of thumb: incidents in ``order`` (indices), each request in turn takes the
    ready teams with its skill that arrive soonest (then by code), one after another until
    it has the teams and the people it asks for. Returns the trips, in the order chosen."""
    rank = {n: k for k, n in enumerate(order)}
    busy: set[int] = set()
    trips = []
    for n, ask in sorted(team_requests(p), key=lambda r: rank[r[0]]):
        fits = [t for t in range(len(p.teams))
                if t not in busy and p.teams[t].able(ask.need) and net.teams.allowed[t, n]]
        fits.sort(key=lambda t: (net.teams.minutes[t, n], p.teams[t].code))
        teams = people = 0
        for t in fits:
            if teams >= ask.teams and people >= ask.people:
                break
            busy.add(t)
            trips.append(trip(p, net, t, n, ask))
            teams, people = teams + 1, people + p.teams[t].members
    return trips


def team_people(p: DispatchProblem) -> int:
    """How many people a missing team counts as: the mean headcount of the ready teams (at least 1)."""
    return max(1, round(sum(t.members for t in p.teams) / len(p.teams))) if p.teams else 1


def assign_teams(p: DispatchProblem, net: Network):
    """Takes a problem and its network; assigns ready teams to team requests optimally.

    Returns (trips sorted by incident, arrival and team; shortfalls; the ``solver.Solution``
    whose status says whether the assignment is proven optimal)."""
    requests = team_requests(p)
    if not requests or not p.teams:
        return [], shortfalls(p, requests, []), solver.Solution(np.zeros(0), np.zeros(0), solver.OPTIMAL,
                                                                  0.0, 0.0, 0.0)
    req_inc = np.array([n for n, _ in requests], np.int64)
    tail, head = np.nonzero(able(p, net, requests))
    priority = np.array([p.incidents[n].priority for n in req_inc], np.int64)
    model = solver.TeamModel(members=np.array([t.members for t in p.teams], np.int64),
                             want_teams=np.array([ask.teams for _, ask in requests], np.int64),
                             want_people=np.array([ask.people for _, ask in requests], np.int64),
                             weight=weights(priority), tail=tail, head=head,
                             minutes=net.teams.minutes[tail, req_inc[head]].astype(np.int64),
                             team_people=team_people(p))
    order = sorted(range(len(p.incidents)), key=lambda n: (p.incidents[n].priority, p.incidents[n].id))
    start = {(t.team, t.incident, t.request) for t in nearest_first(p, net, order)}  # a first solution to improve
    hint = np.array([(p.teams[t].code, p.incidents[req_inc[r]].id, requests[r][1].name) in start
                     for t, r in zip(tail, head)], bool)
    solution = solver.solve_teams(model, hint)
    trips = [trip(p, net, int(tail[k]), int(req_inc[head[k]]), requests[head[k]][1])
             for k in np.nonzero(solution.flow)[0]]
    return sorted(trips, key=lambda t: (t.incident, t.minutes, t.team)), shortfalls(p, requests, trips), solution
