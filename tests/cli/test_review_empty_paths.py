"""An empty path given to audit's and diff's file options is a usage error (exit 2), never stdout
or a silently ignored option (`--write-baseline ''` wrote nothing and exited 0)."""
from __future__ import annotations

import json

import pytest

POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


@pytest.mark.parametrize("argv", [
    ("audit", "{policy}", "--write-baseline", ""),
    ("audit", "{policy}", "--baseline", ""),
    ("audit", "{policy}", "--tf-dir", ""),
    ("audit", "{policy}", "--repo-root", ""),
    ("diff", "{policy}", "{policy}", "--output", ""),
])
def test_an_empty_path_is_refused(cli, tmp_path, argv):
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(POLICY))
    code, out, err = cli(*[a.format(policy=policy) for a in argv])
    assert code == 2 and "expected a path, got ''" in err and out == ""
