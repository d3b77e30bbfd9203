"""The analysis's action index: every action, loaded from the database's derived lists or,
for a database built before them, row by row, with the same result."""
from __future__ import annotations

import shutil
import sqlite3

import pytest

from policy_tf.analysis.expand import ActionIndex
from policy_tf.iamdb.catalog import Catalog
from policy_tf.iamdb.database import BUNDLED, Database


@pytest.fixture(scope="module")
def indexes(tmp_path_factory):
    old = tmp_path_factory.mktemp("db") / "iam.sqlite3"
    shutil.copyfile(BUNDLED, old)
    con = sqlite3.connect(old)
    con.execute("DROP TABLE action_lists")
    con.commit()
    con.close()
    return ActionIndex(Catalog(Database(BUNDLED))), ActionIndex(Catalog(Database(old)))


def test_bundled_database_lists_every_action_once_per_service_and_per_level():
    con = sqlite3.connect(BUNDLED)
    total = con.execute("SELECT COUNT(*) FROM actions").fetchone()[0]
    for kind in ("prefix", "level"):
        names = [n for (text,) in con.execute("SELECT names FROM action_lists WHERE kind = ?", (kind,))
                 for n in text.split("\n")]
        assert len(names) == len(set(names)) == total


def test_all_actions_are_the_same_from_lists_and_from_rows(indexes):
    lists, rows = indexes
    assert lists.all == rows.all and len(lists.all) == lists.count


@pytest.mark.parametrize("prefix", ["s3", "ec2", "iam", "a4b"])
def test_a_service_lists_its_actions_in_database_order_either_way(indexes, prefix):
    lists, rows = indexes
    _ = lists.all, rows.all  # the bulk load
    if prefix not in lists.prefixes.values():
        pytest.skip(f"{prefix} is not in this database")
    assert lists.names(prefix) == rows.names(prefix) == ActionIndex(lists.catalog).names(prefix)


def test_levels_and_canonical_names_agree_after_a_bulk_load(indexes):
    lists, rows = indexes
    _ = lists.all, rows.all  # the bulk load
    for action in ("s3:GetObject", "iam:PassRole", "ec2:CreateTags", "kms:PutKeyPolicy"):
        assert lists.level(action) == rows.level(action) == ActionIndex(lists.catalog).level(action) != ""
        assert lists.canonical(action.upper()) == action
    assert lists.level("s3:NoSuchAction") == "" and lists.canonical("s3:nosuchaction") is None
    assert lists.of_level(lists.all, "Write") == rows.of_level(rows.all, "Write")


def test_a_service_loaded_alone_before_the_bulk_load_keeps_its_levels(indexes):
    fresh = ActionIndex(indexes[0].catalog)
    fresh.names("s3")
    _ = fresh.all  # the bulk load, after one service alone
    assert fresh.level("s3:PutBucketPolicy") == "Permissions management"
    assert fresh.expand("s3:Get*") == indexes[1].expand("s3:Get*")
