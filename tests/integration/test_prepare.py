"""``prepare`` against a real database: the recommendation keeps to the budget and the
storage volume, the out-of-sample comparison, the rules of thumb, the import file."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import select

from relief.depot import db, keeper, region
from relief.depot.models import Balance
from relief.errors import HazardNotInRegion, InvalidInput
from relief.routing import books
from relief.routing.prepare import outputs, service, validate
from tests.conftest import TINY, TODAY

PRICES = """item,price_yuan,unit,source
TENT,1200,tent,test
QUILT,150,piece,test
WATER,30,case,test
FOOD,90,case,test
TRANSPORT,0.6,tonne-km,test
"""
BUDGET = 60_000.0
NAMES = ("today's stock", "recommendation", "rule A: by county population", "rule B: top up to norm maximum")


def tiny_region(folder: Path, prices: str = PRICES) -> Path:
    """A copy of the tiny region with its own prices.csv."""
    shutil.copytree(TINY, folder)
    (folder / "prices.csv").write_text(prices, encoding="utf-8")
    return folder


@pytest.fixture
def stocked(tmp_path: Path) -> str:
    """The tiny region (with prices) on SQLite: R99 holds tents, quilts and water; the
    county depot C990201 (400 m³) is nearly full of quilts."""
    url = db.database_url(str(tmp_path / "relief.db"))
    region.init(url, str(tiny_region(tmp_path / "tiny")), sample_stock=False, today=TODAY)
    keeper.receive(url, "R99", "TENT", 150, actor="keeper", today=TODAY)
    keeper.receive(url, "R99", "QUILT", 900, actor="keeper", today=TODAY)
    keeper.receive(url, "R99", "WATER", 300, actor="keeper", today=TODAY)
    keeper.receive(url, "C990201", "QUILT", 19_500, actor="keeper", today=TODAY)
    yield url
    db.dispose(url)


def held_after(net: service.Network, result: service.PrepareResult) -> np.ndarray:
    held = net.stock.copy()
    d, i = {c: n for n, c in enumerate(net.codes)}, {c: n for n, c in enumerate(net.items)}
    for p in result.purchases:
        held[d[p.depot], i[p.item]] += p.units
    for t in result.transfers:
        held[d[t.source], i[t.item]] -= t.units
        held[d[t.target], i[t.item]] += t.units
    return held


def test_the_recommendation_keeps_to_the_budget_the_storage_volume_and_the_floors(stocked):
    result = service.prepare(stocked, budget=BUDGET, n=12, workers=1, today=TODAY)
    net = service.read_network(stocked, today=TODAY)
    assert 0 < result.spent_yuan <= BUDGET
    assert result.spent_yuan == pytest.approx(result.bought_yuan + result.moved_yuan)
    assert result.bought_yuan == pytest.approx(sum(p.cost_yuan for p in result.purchases))
    held = held_after(net, result)
    assert (held >= net.floor - 1e-9).all()
    room = np.maximum(net.capacity, net.stock @ net.volume)
    assert (held @ net.volume <= room + 1e-6).all()
    assert result.m3_added == pytest.approx(sum(p.m3 for p in result.purchases), abs=1e-3)


def test_a_nearly_full_depot_gets_no_more_than_fits(stocked):
    result = service.prepare(stocked, budget=BUDGET, n=12, workers=1, today=TODAY)
    added = sum(p.m3 for p in result.purchases if p.depot == "C990201")
    arriving = sum(t.units * {"TENT": 0.2, "QUILT": 0.02, "WATER": 0.02, "FOOD": 0.03}[t.item]
                   for t in result.transfers if t.target == "C990201")
    assert 19_500 * 0.02 + added + arriving <= 400 + 1e-6


def test_the_comparison_has_four_rows_and_the_recommendation_beats_todays_stock(stocked):
    result = service.prepare(stocked, budget=BUDGET, n=12, validate_n=15, workers=1, today=TODAY)
    assert tuple(c.name for c in result.comparison) == NAMES
    today_row, plan, rule_a, rule_b = result.comparison
    assert today_row.spent_yuan == 0
    assert plan.mean > today_row.mean
    assert plan.p5 >= today_row.p5
    assert rule_a.spent_yuan <= BUDGET and rule_b.spent_yuan <= BUDGET
    assert (result.validate_n, result.validate_seed) == (15, result.seed + 1)


def test_the_same_seed_gives_the_same_recommendation(stocked):
    first = service.prepare(stocked, budget=BUDGET, n=8, seed=5, workers=1, today=TODAY)
    again = service.prepare(stocked, budget=BUDGET, n=8, seed=5, workers=1, today=TODAY)
    assert (first.purchases, first.transfers, first.comparison) == (again.purchases, again.transfers,
                                                                     again.comparison)


def test_rule_b_tops_up_the_largest_shortfall_first_within_the_budget(stocked):
    net = service.read_network(stocked, today=TODAY)
    buy = validate.to_norm_max(net, 5_000.0)
    assert (buy * net.price).sum() <= 5_000.0
    assert (net.stock + buy <= np.maximum(net.norm_max, net.stock)).all()
    # every county depot lacks all of its FOOD, TENT and WATER norm: a 100 % shortfall comes first
    d, i = net.codes.index("C990102"), net.items.index("FOOD")
    assert buy[d, i] > 0 or buy[net.codes.index("C990201"), i] > 0


def test_rule_a_buys_by_population_served_within_budget_and_volume(stocked):
    net = service.read_network(stocked, today=TODAY)
    buy = validate.by_population(net, BUDGET)
    assert 0 < (buy * net.price).sum() <= BUDGET
    assert ((net.stock + buy) @ net.volume <= np.maximum(net.capacity, net.stock @ net.volume) + 1e-6).all()
    # R99 stands in the county of 100,000 people, C990102 in one of 50,000: twice the money
    r99, c102, water = net.codes.index("R99"), net.codes.index("C990102"), net.items.index("WATER")
    assert buy[r99, water] == pytest.approx(2 * buy[c102, water], rel=0.01)


def test_the_import_file_records_the_purchases_at_their_depots(stocked, tmp_path):
    result = service.prepare(stocked, budget=BUDGET, n=8, workers=1, today=TODAY)
    assert result.purchases
    written = outputs.write(result, books.places(stocked), str(tmp_path / "out"), today=TODAY)
    assert sorted(Path(p).name for p in written) == sorted(outputs.FILES)
    with db.session(stocked) as s:
        before = {(b.depot, b.item): b.on_hand for b in s.exec(select(Balance))}
    keeper.import_file(stocked, str(tmp_path / "out" / "purchases-import.csv"), actor="keeper", today=TODAY)
    with db.session(stocked) as s:
        after: dict[tuple[str, str], int] = {}
        for b in s.exec(select(Balance)):
            after[(b.depot, b.item)] = after.get((b.depot, b.item), 0) + b.on_hand
    for p in result.purchases:
        assert after[(p.depot, p.item)] - sum(v for k, v in before.items() if k == (p.depot, p.item)) == p.units
    again = keeper.import_file(stocked, str(tmp_path / "out" / "purchases-import.csv"), actor="keeper", today=TODAY)
    assert {posted.status for posted in again} == {"already recorded"}


def test_an_item_without_a_unit_price_is_never_bought(tmp_path):
    url = db.database_url(str(tmp_path / "relief.db"))
    region.init(url, str(tiny_region(tmp_path / "tiny", PRICES.replace("WATER,30,case,test\n", ""))),
                sample_stock=False, today=TODAY)
    result = service.prepare(url, budget=BUDGET, n=8, workers=1, today=TODAY)
    assert result.unpriced == ("WATER",)
    assert "WATER" not in {p.item for p in result.purchases}
    db.dispose(url)


@pytest.mark.parametrize("change, option", [
    ({"budget": 0}, "budget"), ({"budget": -5.0}, "budget"), ({"budget": float("nan")}, "budget"),
    ({"n": 0}, "runs"), ({"validate_n": -1}, "validate_n"), ({"hazard": "volcano"}, "hazard"),
    ({"window": "0h"}, "window"), ({"window": "soon"}, "window"), ({"cvar": 1.5}, "cvar"),
    ({"workers": 0}, "workers"), ({"scheduler": "http://host:1"}, "scheduler"),
])
def test_bad_input_names_the_setting(stocked, change, option):
    with pytest.raises(InvalidInput) as caught:
        service.prepare(stocked, **{"budget": BUDGET, "n": 4, "workers": 1, **change}, today=TODAY)
    assert caught.value.option == option


def test_a_hazard_the_region_lacks_is_refused(stocked):
    with pytest.raises(HazardNotInRegion):
        service.prepare(stocked, budget=BUDGET, hazard="blizzard", n=4, workers=1, today=TODAY)


@pytest.mark.slow
def test_the_default_region_recommendation_beats_todays_stock_within_budget(tmp_path):
    url = db.database_url(str(tmp_path / "relief.db"))
    region.init(url, "inner-mongolia", today=TODAY)
    result = service.prepare(url, budget=2_000_000.0, hazard="all", n=6, validate_n=12, workers=1, today=TODAY)
    assert 0 < result.spent_yuan <= 2_000_000.0
    assert tuple(c.name for c in result.comparison) == NAMES
    assert result.comparison[1].mean > result.comparison[0].mean
    assert result.unpriced == ()
    db.dispose(url)


def test_a_cvar_share_weighs_the_worst_scenarios_and_keeps_to_the_budget(stocked):
    plain = service.prepare(stocked, budget=BUDGET, n=10, workers=1, today=TODAY)
    careful = service.prepare(stocked, budget=BUDGET, n=10, cvar=0.2, workers=1, today=TODAY)
    assert careful.cvar == 0.2 and careful.spent_yuan <= BUDGET
    assert careful.solver.value <= plain.solver.value + 1e-9  # half the objective is the worst fifth's mean
