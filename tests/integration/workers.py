"""Work done by the separate processes of the concurrency tests, and the race that starts them.

Each worker opens its database connection, waits at the shared barrier so that all of
them act at the same moment, runs one keeper operation (or commits one dispatch plan)
and puts the outcome on a queue.
"""

from __future__ import annotations

import multiprocessing
from datetime import date

from relief.depot import db, keeper
from relief.errors import ReliefError
from relief.routing.dispatch import plans


def run(barrier, results, url: str, action: str, args: tuple, today: date) -> None:
    """Run ``keeper.<action>(url, *args)`` after the barrier; report ("ok", statuses)
    or (error class name, message) on ``results``."""
    try:
        db.has_schema(url)  # connect before the race so that start-up time does not spread it out
        barrier.wait(timeout=60)
        outcome = getattr(keeper, action)(url, *args, actor=f"keeper-{action}", today=today)
        statuses = [p.status for p in outcome] if isinstance(outcome, list) else [outcome.status]
        results.put(("ok", statuses))
    except ReliefError as exc:
        results.put((type(exc).__name__, str(exc)))
    except Exception as exc:  # an unexpected crash is a test failure, reported by the parent
        results.put(("crash", f"{type(exc).__name__}: {exc}"))
    finally:
        db.dispose(url)


def commit_plan(barrier, results, url: str, plan_id: int, today: date) -> None:
    """Commit dispatch plan ``plan_id`` after the barrier; report ("ok", status) or
    (error class name, [message, *stale lines]) on ``results``."""
    try:
        db.has_schema(url)
        barrier.wait(timeout=60)
        results.put(("ok", plans.commit(url, plan_id, actor=f"planner-{plan_id}", today=today).status.value))
    except ReliefError as exc:
        results.put((type(exc).__name__, [str(exc), *map(str, getattr(exc, "problems", []))]))
    except Exception as exc:  # an unexpected crash is a test failure, reported by the parent
        results.put(("crash", f"{type(exc).__name__}: {exc}"))
    finally:
        db.dispose(url)


START_METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def race(target, argument_sets: list[tuple]) -> list[tuple[str, object]]:
    """Run ``target(barrier, results, *arguments)`` for each argument set in its own
    process, all released at the same moment; return the outcomes in arrival order.

    Processes come from a fork server that imported this module but never touched a
    database (plain ``spawn`` where there is none). A worker that crashed fails the test.
    """
    ctx = multiprocessing.get_context(START_METHOD)
    if START_METHOD == "forkserver":
        ctx.set_forkserver_preload([__name__])
    barrier, results = ctx.Barrier(len(argument_sets)), ctx.Queue()
    procs = [ctx.Process(target=target, args=(barrier, results, *arguments)) for arguments in argument_sets]
    for proc in procs:
        proc.start()
    try:
        outcomes = [results.get(timeout=120) for _ in procs]
    finally:
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
    crashes = [detail for kind, detail in outcomes if kind == "crash"]
    assert not crashes, crashes
    return outcomes
