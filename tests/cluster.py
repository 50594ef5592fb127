"""A Dask cluster on this machine for the tests that run work on one."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def local_cluster(workers: int) -> Iterator[str]:
    """Start a Dask scheduler and ``workers`` worker processes of one thread each on
    127.0.0.1; yields the scheduler's address and closes them all on the way out."""
    from distributed import LocalCluster

    with warnings.catch_warnings():  # the scheduler's status page moves off a port already taken: harmless here
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        cluster = LocalCluster(n_workers=workers, processes=True, threads_per_worker=1, host="127.0.0.1",
                               dashboard_address=None)
    with cluster:
        yield cluster.scheduler_address
