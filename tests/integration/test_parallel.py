"""Batch drills give the same results wherever they run: in one process, on two local
worker processes, and on a Dask cluster of two worker processes."""

from __future__ import annotations

import pytest

from relief.depot import db, region
from relief.routing.drills import batch
from relief.errors import InvalidInput
from tests.cluster import local_cluster
from tests.conftest import TODAY

WHERE = ("seconds", "seconds_per_scenario", "workers", "scheduler")


@pytest.fixture(scope="module")
def stocked(tmp_path_factory) -> str:
    """A SQLite database holding the default region and its opening stock (batches only read it)."""
    url = db.database_url(str(tmp_path_factory.mktemp("parallel") / "relief.db"))
    region.init(url, "inner-mongolia", today=TODAY)
    yield url
    db.dispose(url)


def results(run: dict) -> dict:
    return {k: v for k, v in run.items() if k not in WHERE}


@pytest.mark.slow
def test_the_same_seed_gives_the_same_batch_on_one_process_on_two_and_on_a_dask_cluster(stocked):
    one = batch.run(stocked, "earthquake", 12, 7, workers=1, today=TODAY)
    two = batch.run(stocked, "earthquake", 12, 7, workers=2, today=TODAY)
    with local_cluster(2) as address:
        arrived = []
        cluster = batch.run(stocked, "earthquake", 12, 7, scheduler=address, today=TODAY,
                            progress=arrived.append)
    assert (one["workers"], two["workers"], cluster["workers"]) == (1, 2, None)
    assert cluster["scheduler"] == address and one["scheduler"] is None
    assert len(one["scenarios"]) == 12 and one["scenarios_with_displaced"] > 0
    assert results(two) == results(one)
    assert results(cluster) == results(one)
    assert sum(arrived) == 12


@pytest.mark.slow
def test_another_seed_gives_another_batch_on_a_dask_cluster_too(stocked):
    with local_cluster(2) as address:
        first = batch.run(stocked, "earthquake", 6, 7, scheduler=address, today=TODAY)
        other = batch.run(stocked, "earthquake", 6, 8, scheduler=address, today=TODAY)
    assert [s["displaced"] for s in first["scenarios"]] != [s["displaced"] for s in other["scenarios"]]


def test_a_batch_refuses_both_local_workers_and_a_scheduler(stocked):
    with pytest.raises(InvalidInput, match="^workers cannot be given with a scheduler") as refused:
        batch.run(stocked, "earthquake", 3, 1, workers=2, scheduler="tcp://127.0.0.1:8786", today=TODAY)
    assert refused.value.option == "workers"
