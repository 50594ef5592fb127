"""``relief prepare`` from the command line: the report, --json, --out, and bad input that
writes nothing."""

from __future__ import annotations

import csv
import socket
from pathlib import Path

import pytest

from relief.depot import db, keeper, region
from tests.conftest import TODAY
from tests.integration.test_prepare import NAMES, tiny_region


@pytest.fixture
def prepared(tmp_path: Path) -> str:
    """Path of a tiny-region SQLite database (with prices) whose region depot holds some stock."""
    path = tmp_path / "relief.db"
    url = db.database_url(str(path))
    region.init(url, str(tiny_region(tmp_path / "tiny")), sample_stock=False, today=TODAY)
    keeper.receive(url, "R99", "TENT", 120, actor="keeper", today=TODAY)
    keeper.receive(url, "R99", "WATER", 200, actor="keeper", today=TODAY)
    db.dispose(url)
    return str(path)


def test_prepare_prints_purchases_totals_the_solver_and_the_comparison(cli, prepared):
    done = cli("prepare", "--db", prepared, "--budget", "50000", "--n", "8", "--workers", "1")
    assert done.code == 0, done.stderr
    assert "purchases" in done.stdout
    assert "spent" in done.stdout and "of 50,000 yuan" in done.stdout
    assert "solver: extensive LP" in done.stdout
    for name in NAMES:
        assert name in done.stdout
    assert "on 8 fresh scenarios (seed 2)" in done.stdout


def test_prepare_json_holds_the_result(cli, prepared):
    done = cli("prepare", "--db", prepared, "--budget", "50000", "--n", "6", "--validate-n", "9",
               "--validate-seed", "40", "--workers", "1", "--json")
    assert done.code == 0, done.stderr
    data = done.json()
    assert {"purchases", "transfers", "spent_yuan", "m3_added", "solver", "comparison"} <= set(data)
    assert [row["name"] for row in data["comparison"]] == list(NAMES)
    assert (data["validate_n"], data["validate_seed"]) == (9, 40)
    assert data["spent_yuan"] <= 50_000
    assert {"method", "value", "bound", "gap", "rounding_loss", "iterations", "seconds", "status"} == set(data["solver"])


def test_prepare_out_writes_the_lists_the_map_and_an_importable_file(cli, prepared, tmp_path):
    out = tmp_path / "plan"
    done = cli("prepare", "--db", prepared, "--budget", "50000", "--n", "6", "--workers", "1", "--out", str(out))
    assert done.code == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["purchases.csv", "transfers.csv", "comparison.csv", "map.png", "purchases-import.csv"])
    assert (out / "map.png").read_bytes()[:4] == b"\x89PNG"
    rows = list(csv.DictReader((out / "purchases-import.csv").open(encoding="utf-8")))
    assert rows and set(rows[0]) == {"doc", "kind", "depot", "item", "qty", "source"}
    assert {r["kind"] for r in rows} == {"receive"}
    imported = cli("stock", "import", str(out / "purchases-import.csv"), "--db", prepared)
    assert imported.code == 0, imported.stderr
    again = cli("prepare", "--db", prepared, "--budget", "50000", "--n", "6", "--workers", "1", "--out", str(out))
    assert again.code == 1 and "--force" in again.stderr


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("args, code, words", [
    (["--budget", "0"], 2, "--budget must be a number of yuan greater than 0"),
    (["--budget", "-100"], 2, "--budget must be a number of yuan greater than 0"),
    (["--budget", "1000", "--n", "0"], 2, "--n must be a whole number greater than 0, got 0"),
    (["--budget", "1000", "--hazard", "blizzard"], 2, "Tiny has no blizzard hazard"),
    (["--budget", "1000", "--hazard", "volcano"], 2, "--hazard must be one of"),
    (["--budget", "1000", "--window", "-3h"], 2, "--window must be a positive duration"),
    (["--budget", "1000", "--window", "0"], 2, "--window must be a positive duration"),
    (["--budget", "1000", "--scheduler", "localhost:8786"], 2, "--scheduler must be an address of the form"),
    (["--budget", "1000", "--scheduler", "tcp://127.0.0.1:PORT"], 1, "no Dask scheduler answers"),
])
def test_bad_input_gets_one_message_and_writes_nothing(cli, prepared, tmp_path, args, code, words):
    out = tmp_path / "plan"
    args = [a.replace("PORT", str(_closed_port())) for a in args]
    done = cli("prepare", "--db", prepared, "--workers", "1", "--out", str(out), *args)
    assert done.code == code, done.stderr
    assert len(done.errors()) == 1 and words in done.errors()[0], done.stderr
    assert not out.exists()


def test_a_budget_that_is_not_a_number_is_a_usage_error(cli, prepared, tmp_path):
    done = cli("prepare", "--db", prepared, "--budget", "lots", "--out", str(tmp_path / "plan"))
    assert done.code == 2
    assert "lots" in done.stderr
    assert not (tmp_path / "plan").exists()


def test_the_solver_line_says_optimal_only_when_the_solver_proved_it():
    from relief.cli.prepare import solver_line
    from relief.routing.prepare.service import Solver

    proved = solver_line(Solver("extensive", 0.8, 0.8, 0.0, 0.0, 1, 2.0, "optimal"))
    limited = solver_line(Solver("benders", 0.7, float("inf"), float("inf"), 0.0, 4, 60.0, "time limit"))
    close = solver_line(Solver("benders", 0.7, 0.7001, 0.0001, 0.0, 9, 60.0, "within gap"))
    assert "(optimal)" in proved
    assert "stopped at the time limit, not proven optimal" in limited and "bound unknown" in limited
    assert "not proven optimal" in close and "bound 0.7001" in close and "gap 0.0001" in close
