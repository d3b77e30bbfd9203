"""Scale: one template with 50,000 S3 ARNs (issue 8), through write-policy and terraform-external.

A template this size once took 80 s (a quadratic de-duplication of its lists); the bar is 5 s,
with peak memory recorded and bounded. The inputs are written untimed into {tmp} by `prepare`.
"""
from __future__ import annotations

import json
from pathlib import Path

from bench import TOOL, Case, Cmd, MaxMemory, Under

N = 50_000


def _template() -> dict:
    half = N // 2
    return {"mode": "crud", "name": "Scale",
            "read": [f"arn:aws:s3:::bucket-{i}/*" for i in range(half)],
            "write": [f"arn:aws:s3:::bucket-{i}" for i in range(half)]}


def _write_inputs(tmp: Path, ctx) -> None:
    text = json.dumps(_template())
    (tmp / "scale.json").write_text(text)
    (tmp / "scale-query.json").write_text(json.dumps({"template": text}))


CASES = [
    Case("scale: write-policy of 50,000 S3 ARNs", [TOOL, "write-policy", "--input-file", "{tmp}/scale.json"],
         None, bar=(Under(5), MaxMemory(256)), max_rounds=3, warmup=False, prepare=_write_inputs,
         note="25,000 bucket ARNs under write and 25,000 object ARNs under read, JSON"),
    Case("scale: terraform-external of 50,000 S3 ARNs",
         Cmd([TOOL, "terraform-external"], stdin_file="{tmp}/scale-query.json"),
         None, bar=(Under(5), MaxMemory(256)), max_rounds=3, warmup=False, prepare=_write_inputs,
         note="the same template, JSON-encoded as the policy module sends it"),
]
