"""Work done by the separate processes of the concurrency tests (started with 'spawn').

Each worker opens its database connection, waits at the shared barrier so that all of
them act at the same moment, runs one keeper operation (or commits one dispatch plan)
and puts the outcome on a queue.
"""

from __future__ import annotations

from datetime import date

from depot import db, keeper
from depot.errors import ReliefError
from routing import plans


def run(url: str, barrier, results, action: str, args: tuple, today: date) -> None:
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


def commit_plan(url: str, barrier, results, plan_id: int, today: date) -> None:
    """Commit dispatch plan ``plan_id`` after the barrier; report ("ok", status) or
    (error class name, [message, *stale lines]) on ``results``."""
    try:
        db.has_schema(url)
        barrier.wait(timeout=60)
        results.put(("ok", plans.commit(url, plan_id, actor=f"planner-{plan_id}", today=today)["status"]))
    except ReliefError as exc:
        results.put((type(exc).__name__, [str(exc), *getattr(exc, "problems", [])]))
    except Exception as exc:  # an unexpected crash is a test failure, reported by the parent
        results.put(("crash", f"{type(exc).__name__}: {exc}"))
    finally:
        db.dispose(url)
