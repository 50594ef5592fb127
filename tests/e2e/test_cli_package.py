"""relief as installed software: its version, and the scenarios it ships, named without a path."""

from __future__ import annotations

import tomllib
from pathlib import Path

from relief import __version__
from relief.depot import datafiles, db, region

ROOT = Path(__file__).resolve().parents[2]


def test_version_prints_the_package_version(relief):
    outcome = relief("--version")
    assert outcome.code == 0
    assert outcome.stdout.strip() == f"relief {__version__}"


def test_drill_scenarios_lists_every_shipped_file_with_its_description(cli):
    shipped = sorted(p.stem for p in (ROOT / "data" / "scenarios").glob("*.toml"))
    listed = cli("drill", "scenarios", "--json").json()
    assert [row["name"] for row in listed] == shipped
    for row in listed:
        toml = tomllib.loads((ROOT / "data" / "scenarios" / f"{row['name']}.toml").read_text(encoding="utf-8"))
        assert row["description"] == toml["description"] and row["description"]


def test_a_shipped_scenario_runs_by_name_as_from_its_file(cli, tmp_path, today):
    path = tmp_path / "relief.db"
    region.init(db.database_url(str(path)), "inner-mongolia", sample_stock=False, today=today)
    by_name = cli("drill", "run", "tabletop-hulunbuir", "--json", "--db", str(path))
    by_path = cli("drill", "run", str(ROOT / "data" / "scenarios" / "tabletop-hulunbuir.toml"), "--json",
                  "--db", str(path))
    assert by_name.code == 0, by_name.stderr
    assert by_name.json()["scenario"]["name"] == "Tabletop: Hulunbuir spring snowstorm"
    named, pathed = by_name.json(), by_path.json()
    for key in ("scenario", "affected", "needs", "metrics", "restock"):
        assert named[key] == pathed[key], key


def test_an_unknown_scenario_name_lists_the_shipped_ones(cli, tiny_sqlite):
    outcome = cli("drill", "run", "atlantis-m9", "--db", tiny_sqlite)
    assert outcome.code == 2
    assert "atlantis-m9" in outcome.errors()[0] and "chifeng-m6-winter" in outcome.errors()[0]


def test_a_missing_scenario_path_is_not_mistaken_for_a_name(cli, tiny_sqlite, tmp_path):
    outcome = cli("drill", "run", str(tmp_path / "nowhere" / "chifeng-m6-winter.toml"), "--db", tiny_sqlite)
    assert outcome.code == 2
    assert "not found" in outcome.errors()[0]


def test_region_data_is_read_as_package_data():
    assert datafiles.DATA_DIR.joinpath("inner-mongolia", "counties.geojson").is_file()
    assert datafiles.read_region("zhaoqing", with_stock=False).builtin
