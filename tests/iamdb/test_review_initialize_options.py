"""A bare `initialize` reports the database in use; an option that only a build reads is refused, not dropped."""
from __future__ import annotations


def test_bare_initialize_refuses_an_overrides_file_it_would_not_read(cli, tmp_path):
    overrides = tmp_path / "overrides.yml"
    overrides.write_text("s3:\n  GetObject: write\n")
    code, out, err = cli("initialize", "--access-level-overrides-file", str(overrides))
    assert code == 2 and "--access-level-overrides-file" in err and "--fetch" in err and out == ""
