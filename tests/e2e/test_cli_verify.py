"""``relief stock verify``: the hash chain of the ledger as a keeper and a supervisor see it."""

from __future__ import annotations

from sqlalchemy import text

from relief.depot import db


def verify(cli, path: str, *args: str):
    return cli("stock", "verify", "--db", path, *args, env={"COLUMNS": "200"})


def test_verify_says_the_chain_is_unbroken_and_reports_its_head_in_json(cli, stocked_file):
    done = verify(cli, stocked_file)
    assert done.code == 0
    assert done.stdout == "books balance: 4 balances agree with 4 ledger movements, whose hash chain is unbroken\n"
    head = verify(cli, stocked_file, "--json").json()["chain"]["head"]
    assert head["id"] == 4 and len(head["hash"]) == 64
    noted = verify(cli, stocked_file, "--head", f"{head['id']}:{head['hash']}")
    assert noted.code == 0 and noted.stdout.splitlines()[1] == "the chain passes through the noted head, movement 4"


def test_verify_exits_1_naming_the_movement_changed_behind_the_ledger(cli, stocked_file):
    noted = verify(cli, stocked_file, "--json").json()["chain"]["head"]
    with db.get_engine(db.database_url(stocked_file)).begin() as conn:
        conn.execute(text("DROP TRIGGER movement_no_update"))
        conn.execute(text("UPDATE movement SET qty = 11 WHERE id = 1"))
        conn.execute(text("UPDATE balance SET on_hand = 11 WHERE depot = 'R99' AND item = 'TENT'"))
    done = verify(cli, stocked_file, "--head", f"{noted['id']}:{noted['hash']}")
    assert done.code == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("ledger chain broken at movement 1 (document RCV-")
    assert "does not match its fields" in lines[0]
    assert lines[1] == "noted head 4: the chain is broken before it reaches movement 4"


def test_a_head_that_is_not_id_and_hash_is_refused(cli, stocked_file):
    done = verify(cli, stocked_file, "--head", "4:abc")
    assert done.code == 2 and done.errors()[0].startswith("error: --head must be a movement id and its hash")
