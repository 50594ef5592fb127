"""``relief init``: loading a region into a fresh database, and refusing bad ones."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func
from sqlmodel import select

from relief.depot import db, keeper, region, reports
from relief.errors import DatabaseNotEmpty, InvalidFile, UnknownRegion, Problem
from relief.depot.models import County, Depot, Item, Meta, Movement, Team


def count(url: str, model) -> int:
    with db.session(url) as s:
        return s.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def tiny_with_stock(tiny_db, today) -> str:
    """The tiny region after a receipt, so the database holds data."""
    keeper.receive(tiny_db, "R99", "TENT", 3, actor="keeper", today=today)
    return tiny_db


@pytest.fixture
def region_with_unknown_county(tmp_path, tiny_region):
    """A copy of the tiny region whose second depot lies in a county that does not exist,
    and whose third has a capacity that is not a number."""
    folder = tmp_path / "broken"
    shutil.copytree(tiny_region, folder)
    depots = (folder / "depots.csv").read_text(encoding="utf-8")
    depots = depots.replace("C990102,乙县仓库,county,990102", "C990102,乙县仓库,county,999999")
    depots = depots.replace("112.5,40.5,400,15", "112.5,40.5,big,15")
    (folder / "depots.csv").write_text(depots, encoding="utf-8")
    return folder


@pytest.mark.slow
def test_init_loads_inner_mongolia_with_its_opening_stock(db_url, today):
    loaded = region.init(db_url, "inner-mongolia", today=today)
    assert (loaded.region, loaded.counties, loaded.depots, loaded.teams) == ("Inner Mongolia", 103, 93, 15)
    assert loaded.stock_lines == count(db_url, Movement) > 1000
    with db.session(db_url) as s:
        assert s.exec(select(func.sum(County.population))).one() == 23_475_055
        assert s.get(Meta, "household_size").value == "2.35"
        assert s.exec(select(func.count()).select_from(Depot).where(Depot.level == "region")).one() == 1
        result = reports.verify(s)
        assert result["ok"] and result["movements"] == loaded.stock_lines
        assert all(row["available"] >= 0 for row in reports.stock(s, today=today))


def test_init_loads_zhaoqing(sqlite_url, today):
    loaded = region.init(sqlite_url, "zhaoqing", sample_stock=False, today=today)
    assert (loaded.counties, loaded.stock_lines) == (8, 0)
    assert count(sqlite_url, County) == 8
    assert count(sqlite_url, Depot) == loaded.depots > 0
    assert count(sqlite_url, Team) == loaded.teams > 0
    assert count(sqlite_url, Item) == loaded.items > 0


def test_init_refuses_a_database_that_holds_data(tiny_with_stock, today, tiny_region):
    with pytest.raises(DatabaseNotEmpty, match="already holds relief data") as refused:
        region.init(tiny_with_stock, str(tiny_region), sample_stock=False, today=today)
    assert refused.value.option == "force"
    assert count(tiny_with_stock, Movement) == 1


def test_init_with_force_replaces_the_region_and_its_stock(tiny_with_stock, today):
    loaded = region.init(tiny_with_stock, "zhaoqing", sample_stock=False, force=True, today=today)
    assert loaded.counties == 8
    assert count(tiny_with_stock, County) == 8
    assert count(tiny_with_stock, Movement) == 0
    with db.session(tiny_with_stock) as s:
        assert s.get(Depot, "R99") is None


def test_init_of_a_region_with_bad_depots_lists_them_and_creates_nothing(sqlite_url, today,
                                                                          region_with_unknown_county):
    with pytest.raises(InvalidFile, match="has 2 problem\\(s\\)") as caught:
        region.init(sqlite_url, str(region_with_unknown_county), sample_stock=False, today=today)
    assert caught.value.problems == [
        Problem("depots.csv line 4", "capacity_m3", "capacity_m3 'big' is not a valid number"),
        Problem("depots.csv line 3", "county", "county '999999' is not in counties.geojson"),
    ]
    assert str(caught.value.problems[0]) == "depots.csv line 4: capacity_m3 'big' is not a valid number"
    assert not db.has_schema(sqlite_url)


def test_init_of_a_bad_region_leaves_an_existing_database_untouched(tiny_with_stock, today,
                                                                     region_with_unknown_county):
    with pytest.raises(InvalidFile):
        region.init(tiny_with_stock, str(region_with_unknown_county), force=True, today=today)
    assert count(tiny_with_stock, Movement) == 1
    assert count(tiny_with_stock, Depot) == 3


def test_init_of_an_unknown_region_names_it(sqlite_url, today):
    with pytest.raises(UnknownRegion, match="unknown region 'atlantis'; use one of inner-mongolia, zhaoqing"):
        region.init(sqlite_url, "atlantis", today=today)
    assert not db.has_schema(sqlite_url)


def test_init_of_a_region_folder_missing_a_file_names_it(sqlite_url, today, tmp_path, tiny_region):
    folder = tmp_path / "no-teams"
    shutil.copytree(tiny_region, folder)
    (folder / "teams.csv").unlink()
    with pytest.raises(InvalidFile, match="file not found: .*teams.csv"):
        region.init(sqlite_url, str(folder), today=today)
