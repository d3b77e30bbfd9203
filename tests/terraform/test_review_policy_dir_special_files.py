"""write-policy-dir reports a FIFO or device named like a template as a bad input (as analyze-iam-policy
does for its folders), without hanging, and still writes every good template."""
from __future__ import annotations

import os


def test_a_fifo_named_like_a_template_is_reported_not_skipped(cli, tmp_path):
    src, out = tmp_path / "templates", tmp_path / "policies"
    src.mkdir()
    (src / "good.yml").write_text("mode: crud\nname: good\nread:\n  - arn:aws:s3:::b/*\n")
    os.mkfifo(src / "queue.yml")
    code, _, err = cli("write-policy-dir", "--input-dir", str(src), "--output-dir", str(out))
    assert code != 0 and "queue.yml: is a named pipe (FIFO)" in err
    assert (out / "good.json").is_file() and not (out / "queue.json").exists()
