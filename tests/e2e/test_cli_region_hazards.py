"""``relief drill batch`` only samples the hazards of the database's region."""

from __future__ import annotations


def test_a_blizzard_batch_on_a_zhaoqing_database_exits_2_naming_the_region_s_hazards(cli, tmp_path):
    where = str(tmp_path / "zq.db")
    assert cli("init", "--region", "zhaoqing", "--db", where).code == 0
    done = cli("drill", "batch", "--hazard", "blizzard", "--n", "3", "--workers", "1", "--db", where)
    assert done.code == 2
    assert done.errors() == ["error: --hazard 'blizzard': Zhaoqing has no blizzard hazard; its hazards: "
                             "earthquake, flood (the hazard rows of its hazard_zones.csv)"]
