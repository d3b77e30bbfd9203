"""With a database that has the API operations table, events resolve through it."""
from __future__ import annotations

import pytest
import yaml
from cloudtrail_events import ROLE, event, write_log

from policy_tf.iamdb import query
from policy_tf.sources.cloudtrail.generate import generate
from tests.iamdb.test_operations import gizmos_db  # noqa: F401 - the July 2026 fixture database

pytestmark = pytest.mark.skipif(not hasattr(query, "operations"), reason="this database module has no operations table")


def test_an_operation_whose_action_has_another_name_resolves_through_the_table(tmp_path, gizmos_db):
    write_log(tmp_path / "logs" / "a.json.gz",
              [event("gizmos.amazonaws.com", "TagResource", requestParameters={"gizmoId": "g-1"})])
    result = generate(str(tmp_path / "logs"), db=gizmos_db, progress=False)
    assert yaml.safe_load(result.templates[ROLE])["tagging"] == ["arn:aws:gizmos:eu-west-1:111122223333:gizmo/g-1"]


def test_an_operation_needing_an_action_missing_from_the_database_is_reported(tmp_path, gizmos_db):
    write_log(tmp_path / "logs" / "a.json.gz",
              [event("gizmos.amazonaws.com", "CreateGizmo", requestParameters={"gizmoId": "g-2"})])
    result = generate(str(tmp_path / "logs"), db=gizmos_db, progress=False)
    assert yaml.safe_load(result.templates[ROLE])["write"] == ["arn:aws:gizmos:eu-west-1:111122223333:gizmo/g-2"]
    assert "missing from the database: iam:PassRole" in result.templates[ROLE]
