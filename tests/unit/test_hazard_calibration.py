"""The vulnerability table against published Chinese earthquakes (``data/earthquake_events.csv``). No database.

For each event, the model's people displaced are the published (or derived) population of
each intensity zone times the table's share displaced at that intensity, summed over the
zones; the tests fail when a change to the table takes the model further from what was
published than data/README.md says it is.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from relief.depot import datafiles
from relief.routing.drills.hazards import displaced_share

ZONES = {"pop_ix": 9.0, "pop_viii": 8.0, "pop_vii": 7.0, "pop_vi": 6.0}
# Relative error (model / published - 1) allowed per event: what data/README.md reports, with a margin.
ALLOWED = {"鲁甸 Ludian (Yunnan)": (-0.55, -0.45), "泸定 Luding (Sichuan)": (0.80, 0.90),
           "九寨沟 Jiuzhaigou (Sichuan)": (-0.05, 0.10)}


def events() -> list[dict]:
    """The calibration events, as stored."""
    return datafiles.region_table(None, "earthquake_events.csv")


def modelled(event: dict) -> float:
    """People displaced by the vulnerability table over the event's population by intensity zone."""
    pops = np.array([float(event[column] or 0) for column in ZONES])
    return float(np.sum(pops * displaced_share(np.array(list(ZONES.values())))))


def test_every_event_has_a_source_a_published_figure_and_people_in_its_zones():
    rows = events()
    assert len(rows) >= 3
    for event in rows:
        assert event["source"].strip() and event["displaced_basis"].strip() and event["population_basis"].strip()
        assert int(event["displaced"]) > 0
        assert sum(float(event[column] or 0) for column in ZONES) > 0


@pytest.mark.parametrize("event", events(), ids=lambda e: e["event"])
def test_the_model_stays_within_the_documented_error_of_each_event(event):
    error = modelled(event) / int(event["displaced"]) - 1
    low, high = ALLOWED[event["event"]]
    assert low <= error <= high, f"{event['event']}: model {modelled(event):,.0f}, published {event['displaced']}"


def test_the_fit_over_all_events_does_not_get_worse():
    logs = [math.log(modelled(e) / int(e["displaced"])) for e in events()]
    assert math.sqrt(sum(x * x for x in logs) / len(logs)) <= 0.55
    assert abs(sum(logs)) <= 0.4, "the table leans to one side: over- or under-estimating every event"
