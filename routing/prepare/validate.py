"""The two rules of thumb a logistics officer would use with the same budget. Pure numpy.

Both return the units to buy (D×I whole numbers) from a ``service.Network``, never spend
more than the budget and never fill a depot past its storage volume (counting what it
holds); an item without a unit price is never bought.

* Rule A, **by county population** (``by_population``): the budget is split over the items
  in proportion to what the region's need norms ask per person, in yuan (units per
  person - per household divided by the household size, summer and winter rows both -
  times the unit price), and each item's share over the depots in proportion to the
  population they serve (a county's people go to the depots standing in it, or to the
  nearest depot by road time when none does). Units are rounded down; what a depot
  cannot store, and the rounding, stays unspent.
* Rule B, **top every depot up to its norm maximum** (``to_norm_max``): every (depot,
  item) below its norm maximum, the largest shortfall as a share of the maximum first
  (ties: depot, then item code), gets the units that close its gap, as far as the budget
  left and the depot's free volume allow, until the budget is spent or every gap closed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from relief.routing.prepare.service import Network


def by_population(net: Network, budget: float) -> np.ndarray:
    """Rule A: takes the network and the budget (yuan); returns units to buy per depot and
    item (D×I), the budget split by item need norms in yuan and by population served."""
    buy = np.zeros_like(net.stock)
    worth = net.per_person * net.price
    if worth.sum() <= 0 or net.served.sum() <= 0:
        return buy
    money = budget * np.outer(net.served / net.served.sum(), worth / worth.sum())
    priced = net.price > 0
    buy[:, priced] = np.floor(money[:, priced] / net.price[priced] + 1e-9)
    room = net.free_m3(net.stock)
    for d in range(len(net.codes)):  # a depot that cannot store its share keeps what fits, largest spend first
        for i in np.argsort(-money[d]):
            fits = np.floor(room[d] / net.volume[i] + 1e-9) if net.volume[i] > 0 else buy[d, i]
            buy[d, i] = min(buy[d, i], max(fits, 0.0))
            room[d] -= buy[d, i] * net.volume[i]
    return buy


def to_norm_max(net: Network, budget: float) -> np.ndarray:
    """Rule B: takes the network and the budget (yuan); returns units to buy per depot and
    item (D×I), topping (depot, item) pairs up to their norm maximum, largest relative
    shortfall first, within the budget and each depot's free volume."""
    buy = np.zeros_like(net.stock)
    gap = np.maximum(net.norm_max - net.stock, 0.0)
    share = np.divide(gap, net.norm_max, out=np.zeros_like(gap), where=net.norm_max > 0)
    pairs = [(d, i) for d in range(len(net.codes)) for i in range(len(net.items))
             if gap[d, i] > 0 and net.price[i] > 0]
    pairs.sort(key=lambda p: (-share[p], net.codes[p[0]], net.items[p[1]]))
    left, room = float(budget), net.free_m3(net.stock)
    for d, i in pairs:
        units = min(gap[d, i], np.floor(left / net.price[i] + 1e-9),
                    np.floor(room[d] / net.volume[i] + 1e-9) if net.volume[i] > 0 else gap[d, i])
        if units <= 0:
            continue
        buy[d, i] = units
        left -= units * net.price[i]
        room[d] -= units * net.volume[i]
    return buy
