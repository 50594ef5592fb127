"""``routing.parallel``: one function over many items, in this process, on local cores or on
a Dask cluster; results in input order, the shared snapshot sent once per worker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter

import pytest

from relief.errors import InvalidInput
from relief.routing import parallel
from tests.cluster import local_cluster

# How many times this process has unpickled each Snapshot (by its token): a worker that
# received the shared snapshot once has 1, whatever number of chunks it ran.
UNPICKLED: Counter = Counter()


class Snapshot:
    """A shared value that counts, in each process, how often it arrives there."""

    def __init__(self, factor: int, token: str | None = None):
        self.factor, self.token = factor, token or uuid.uuid4().hex

    def __reduce__(self):
        return _arrive, (self.factor, self.token)


def _arrive(factor: int, token: str) -> Snapshot:
    UNPICKLED[token] += 1
    return Snapshot(factor, token)


def times(shared: Snapshot, item: int) -> tuple[int, int, int]:
    """The item times the shared factor, with the process and how often the snapshot arrived in it."""
    return item * shared.factor, os.getpid(), UNPICKLED[shared.token]


def fails_on_seven(shared, item: int) -> int:
    if item == 7:
        raise InvalidInput("item seven is not allowed")
    return item


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_one_worker_runs_in_this_process_in_order_and_reports_each_item():
    seen = []
    results = parallel.run_chunks(times, range(5), Snapshot(3), workers=1, progress=seen.append)
    assert [r[0] for r in results] == [0, 3, 6, 9, 12]
    assert {r[1] for r in results} == {os.getpid()}
    assert seen == [1] * 5


def test_local_cores_keep_the_order_of_the_items_and_report_progress_a_chunk_at_a_time():
    seen = []
    results = parallel.run_chunks(times, range(23), Snapshot(2), workers=2, chunk=5, progress=seen.append)
    assert [r[0] for r in results] == [2 * i for i in range(23)]
    assert sorted(seen) == [3, 5, 5, 5, 5]
    assert os.getpid() not in {r[1] for r in results}


def test_each_local_worker_receives_the_shared_snapshot_once_whatever_the_number_of_chunks():
    results = parallel.run_chunks(times, range(40), Snapshot(1), workers=2, chunk=2)
    arrivals = {pid: count for _, pid, count in results}
    assert len(results) == 40 and set(arrivals.values()) == {1}


def test_no_items_give_no_results():
    assert parallel.run_chunks(times, [], Snapshot(1), workers=2) == []


def test_an_error_in_a_worker_reaches_the_caller_unchanged():
    with pytest.raises(InvalidInput, match="item seven"):
        parallel.run_chunks(fails_on_seven, range(12), None, workers=2, chunk=3)


def test_the_default_chunk_gives_each_worker_several_tasks_of_at_most_sixteen_items():
    assert parallel.chunk_size(1000, 2) == 16
    assert parallel.chunk_size(100, 2) == 6
    assert parallel.chunk_size(3, 2) == 1


@pytest.mark.parametrize("workers, chunk, name", [(0, None, "workers"), (-1, None, "workers"), (2, 0, "chunk")])
def test_workers_and_chunk_must_be_greater_than_zero(workers, chunk, name):
    with pytest.raises(InvalidInput, match=f"^{name} must be greater than 0"):
        parallel.run_chunks(times, range(3), Snapshot(1), workers=workers, chunk=chunk)


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:8786", "tcp://scheduler.example.org:8786", "tcp://[::1]:8786",
                                     " tcp://10.0.0.5:1 "])
def test_a_scheduler_address_of_the_form_tcp_host_port_is_accepted(address):
    assert parallel.check_scheduler(address) == address.strip()


@pytest.mark.parametrize("address, why", [
    ("http://x", "the scheme must be tcp, not 'http'"),
    ("127.0.0.1:8786", "the scheme must be tcp"),
    ("tcp://host", "the port is missing"),
    ("tcp://h:99999", "the port must be a whole number from 1 to 65535"),
    ("tcp://h:0", "the port must be a whole number from 1 to 65535"),
    ("tcp://h:port", "the port must be a whole number from 1 to 65535"),
    ("tcp://:8786", "the host is missing"),
    ("tcp://a b:8786", "the host is not a name or an IP address"),
    ("tcp://h:8786/path", "nothing may follow the port"),
    ("", "it is empty"),
])
def test_a_malformed_scheduler_address_is_refused_naming_the_value_and_the_form(address, why):
    with pytest.raises(InvalidInput) as refused:
        parallel.check_scheduler(address)
    text = str(refused.value)
    assert text.startswith("scheduler must be an address of the form tcp://HOST:PORT")
    assert repr(address) in text and why in text
    assert refused.value.option == "scheduler"


def test_a_malformed_scheduler_address_is_refused_before_any_work():
    calls = []
    with pytest.raises(InvalidInput, match="tcp://HOST:PORT"):
        parallel.run_chunks(times, range(3), Snapshot(1), scheduler="http://x", progress=calls.append)
    assert calls == []


def test_a_scheduler_address_where_nothing_listens_is_refused_at_once_naming_it():
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.perf_counter()
    with pytest.raises(parallel.SchedulerUnavailable) as refused:
        parallel.run_chunks(times, range(3), Snapshot(1), scheduler=address)
    assert time.perf_counter() - started < 5
    assert str(refused.value).startswith(f"no Dask scheduler answers at {address}")
    assert refused.value.option == "scheduler" and refused.value.exit_code == 1


@pytest.mark.slow
def test_a_scheduler_address_that_accepts_but_never_answers_is_refused_within_seconds():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        started = time.perf_counter()
        with pytest.raises(parallel.SchedulerUnavailable, match=f"no Dask scheduler answers at {address}"):
            parallel.run_chunks(times, range(3), Snapshot(1), scheduler=address)
        assert time.perf_counter() - started < parallel.CONNECT_SECONDS + 5


@pytest.fixture(scope="module")
def cluster():
    """A Dask cluster on this machine: a scheduler and two worker processes of one thread."""
    with local_cluster(2) as address:
        yield address


@pytest.mark.slow
def test_a_cluster_is_reached_from_a_thread_that_already_runs_an_event_loop(cluster):
    import asyncio

    import concurrent.futures

    async def inside_a_loop() -> list:  # as in a process where another library's loop runs
        return parallel.run_chunks(times, range(6), Snapshot(2), scheduler=cluster, chunk=3)

    with concurrent.futures.ThreadPoolExecutor(1) as thread:  # a thread of its own: this one may run a loop too
        results = thread.submit(asyncio.run, inside_a_loop()).result()
    assert [r[0] for r in results] == [2 * x for x in range(6)]


@pytest.mark.slow
def test_a_dask_cluster_gives_the_results_of_one_process_in_order(cluster):
    seen = []
    here = parallel.run_chunks(times, range(30), Snapshot(4), workers=1)
    there = parallel.run_chunks(times, range(30), Snapshot(4), scheduler=cluster, chunk=4, progress=seen.append)
    assert [r[0] for r in there] == [r[0] for r in here]
    assert sorted(seen) == [2] + [4] * 7


@pytest.mark.slow
def test_each_dask_worker_receives_the_shared_snapshot_once_whatever_the_number_of_chunks(cluster):
    results = parallel.run_chunks(times, range(40), Snapshot(1), scheduler=cluster, chunk=2)
    pids = {pid for _, pid, _ in results}
    assert os.getpid() not in pids and len(pids) == 2  # both workers took chunks
    assert {count for _, _, count in results} == {1}


@pytest.mark.slow
def test_an_error_on_a_dask_worker_reaches_the_caller_unchanged(cluster):
    with pytest.raises(InvalidInput, match="item seven"):
        parallel.run_chunks(fails_on_seven, range(12), None, scheduler=cluster, chunk=3)


def test_batches_and_local_runs_do_not_load_dask():
    probe = ("import sys\nfrom relief.routing import parallel\nfrom relief.routing.drills import batch\n"
             "assert parallel.run_chunks(lambda shared, x: -x, [1, 2], None, workers=1) == [-1, -2]\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
