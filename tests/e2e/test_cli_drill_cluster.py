"""``relief drill batch --scheduler``: a batch runs on a Dask cluster and gives what it
gives on this machine; an address that is malformed or where no scheduler answers is
refused with one message, within seconds, and nothing is written."""

from __future__ import annotations

import socket
import time

import pytest

from tests.cluster import local_cluster

WHERE = ("seconds", "seconds_per_scenario", "workers", "scheduler")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def batch_args(db_file: str, *more: str) -> tuple[str, ...]:
    return ("drill", "batch", "--hazard", "earthquake", "--n", "8", "--seed", "2", "--db", db_file, *more)


def test_a_scheduler_that_does_not_answer_is_refused_within_seconds_and_nothing_is_written(cli, inner_mongolia_file,
                                                                                            tmp_path):
    address = f"tcp://127.0.0.1:{free_port()}"
    out = tmp_path / "batch"
    started = time.perf_counter()
    done = cli(*batch_args(inner_mongolia_file, "--scheduler", address, "--out", str(out), "--json"))
    assert time.perf_counter() - started < 10
    assert done.code == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"error: no Dask scheduler answers at {address} (waited up to 5 s); start one there with `dask scheduler` "
        f"and at least one `dask worker {address}`, or give the address it prints (--scheduler)"]
    assert not out.exists()


@pytest.mark.parametrize("address, why", [
    ("http://x", "the scheme must be tcp, not 'http'"),
    ("tcp://host", "the port is missing"),
    ("tcp://h:99999", "the port must be a whole number from 1 to 65535"),
])
def test_a_malformed_scheduler_address_is_refused_naming_the_value_and_the_form(cli, inner_mongolia_file, tmp_path,
                                                                                address, why):
    out = tmp_path / "batch"
    done = cli(*batch_args(inner_mongolia_file, "--scheduler", address, "--out", str(out), "--json"))
    assert done.code == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"error: --scheduler must be an address of the form tcp://HOST:PORT (as `dask scheduler` prints it); "
        f"got {address!r}: {why}"]
    assert not out.exists()


def test_local_workers_and_a_scheduler_together_are_refused(cli, inner_mongolia_file):
    done = cli(*batch_args(inner_mongolia_file, "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"))
    assert done.code == 2
    assert done.stderr.splitlines() == [
        "error: --workers cannot be given with a scheduler (got 2): the cluster's workers run the scenarios"]


def test_the_batch_help_shows_the_scheduler_option(cli):
    done = cli("drill", "batch", "--help")
    assert done.code == 0
    assert "--scheduler" in done.stdout and "tcp://HOST:PORT" in done.stdout


@pytest.mark.slow
def test_a_batch_on_a_dask_cluster_reports_what_one_process_reports(cli, inner_mongolia_file, tmp_path):
    here = cli(*batch_args(inner_mongolia_file, "--workers", "1", "--json"))
    assert here.code == 0, here.stderr
    with local_cluster(2) as address:
        there = cli(*batch_args(inner_mongolia_file, "--scheduler", address, "--json", "--out", str(tmp_path / "batch")))
        told = cli(*batch_args(inner_mongolia_file, "--scheduler", address))
    assert there.code == 0, there.stderr
    summary = there.json()
    assert (summary["workers"], summary["scheduler"]) == (None, address)
    assert {k: v for k, v in summary.items() if k not in WHERE} == {k: v for k, v in here.json().items()
                                                                    if k not in WHERE}
    assert (tmp_path / "batch" / "batch.json").exists()
    assert told.code == 0, told.stderr
    assert f"8 earthquake scenarios (seed 2) on the Dask cluster at {address} in" in told.stdout
