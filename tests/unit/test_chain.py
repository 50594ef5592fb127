"""The ledger's hash chain as plain functions: the encoding, the links and the walk."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from relief.depot import chain
from relief.errors import InvalidInput

AT = datetime(2026, 11, 22, 8, 30, 15, 123456, tzinfo=timezone.utc)


def movement(n: int, **change) -> dict:
    row = {"id": n, "at": AT, "kind": "receive", "depot": "R99", "item": "TENT", "lot": "-", "qty": 10,
           "reserved_delta": 0, "doc": f"RCV-{n}", "actor": "keeper", "reason": None, "counterparty": None,
           "note": None}
    return {**row, **change}


def document(n: int, **change) -> dict:
    return {"number": f"RCV-{n}", "kind": "receive", "fingerprint": "f" * 64, "at": AT, "actor": "keeper",
            "lines": 1, **change}


def chained(n: int) -> list[tuple[dict, dict, str]]:
    rows, previous = [], chain.GENESIS
    for i in range(1, n + 1):
        previous = chain.link(movement(i), document(i), previous)
        rows.append((movement(i), document(i), previous))
    return rows


def test_a_link_is_a_sha256_that_depends_on_every_field_the_document_and_the_previous_hash():
    base = chain.link(movement(1), document(1), chain.GENESIS)
    assert len(base) == 64 and set(base) <= set("0123456789abcdef")
    for name, other in [("qty", 11), ("reserved_delta", 1), ("kind", "issue"), ("depot", "C1"), ("item", "WATER"),
                        ("lot", "L2"), ("doc", "RCV-9"), ("actor", "x"), ("at", AT + timedelta(microseconds=1)),
                        ("note", "n"), ("reason", "damaged"), ("counterparty", "school"), ("id", 2)]:
        assert chain.link(movement(1, **{name: other}), document(1), chain.GENESIS) != base, name
    for name, other in [("fingerprint", "0" * 64), ("lines", 2), ("actor", "y"), ("kind", "issue"),
                        ("at", AT + timedelta(seconds=1)), ("number", "RCV-2")]:
        assert chain.link(movement(1), document(1, **{name: other}), chain.GENESIS) != base, name
    assert chain.link(movement(1), None, chain.GENESIS) != base
    assert chain.link(movement(1), document(1), "1" * 64) != base


def test_the_same_time_naive_in_utc_or_aware_in_any_zone_hashes_the_same():
    naive = AT.replace(tzinfo=None)
    east = AT.astimezone(timezone(timedelta(hours=8)))
    hashes = {chain.link(movement(1, at=when), document(1, at=when), chain.GENESIS) for when in (AT, naive, east)}
    assert len(hashes) == 1


def test_a_whole_chain_walks_to_its_head():
    rows = chained(4)
    walked = chain.walk(rows)
    assert walked == chain.Walk(chain.Head(4, rows[-1][2]), 4, None)
    assert chain.walk([]) == chain.Walk(None, 0, None)


def test_a_changed_movement_breaks_the_chain_at_that_movement():
    rows = chained(4)
    rows[1] = (movement(2, qty=9), rows[1][1], rows[1][2])
    walked = chain.walk(rows)
    assert walked.broken.id == 2 and walked.broken.doc == "RCV-2" and "does not match" in walked.broken.problem
    assert walked.head == chain.Head(1, rows[0][2])


def test_a_removed_movement_breaks_the_chain_at_the_next_one_naming_the_gap():
    rows = chained(4)
    del rows[1]
    broken = chain.walk(rows).broken
    assert broken.id == 3 and "does not chain to movement 1" in broken.problem


def test_a_missing_document_or_hash_is_named():
    rows = chained(3)
    rows[2] = (rows[2][0], None, rows[2][2])
    assert "document RCV-3 is missing" in chain.walk(rows).broken.problem
    rows = chained(3)
    rows[0] = (rows[0][0], rows[0][1], None)
    assert chain.walk(rows).broken == chain.Break(1, "RCV-1", "it has no hash: it was not recorded by relief")


def test_a_noted_head_reads_as_id_and_hash():
    digest = "A" * 64
    assert chain.parse_head(f" 12:{digest} ") == chain.Head(12, "a" * 64)
    assert str(chain.Head(12, "a" * 64)) == f"12:{'a' * 64}"
    for bad in ("", "12", f"x:{'a' * 64}", "12:abc", f"12:{'g' * 64}", f"-1:{'a' * 64}"):
        with pytest.raises(InvalidInput, match="^head must be a movement id and its hash") as caught:
            chain.parse_head(bad)
        assert caught.value.option == "head"
