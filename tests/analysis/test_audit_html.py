"""The audit HTML: what it says at a glance (version, database date, time, an SVG summary), each
finding's own "why it matters", and how a real headless browser draws it."""
from __future__ import annotations

import json
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from policy_tf.analysis.audit import audit
from policy_tf.analysis.report import render, rules

try:
    from tests import headless
except ImportError:  # pytest run with tests/ on sys.path
    import headless

PASSROLE = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Deploy", "Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
     "Resource": "*"},
    {"Sid": "Everything", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    {"Sid": "Broken", "Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::b/*"}]}


@pytest.fixture
def report(tmp_path) -> tuple:
    path = tmp_path / "deployer.json"
    path.write_text(json.dumps(PASSROLE, indent=2), encoding="utf-8")
    result = audit([str(path)])
    html = render(result, "html")
    out = tmp_path / "report.html"
    out.write_text(html, encoding="utf-8")
    return result, html, out


def _svg(html: str) -> ET.Element:
    found = re.search(r"<svg.*?</svg>", html, re.S)
    assert found, "an inline SVG summary"
    return ET.fromstring(found.group(0))


def test_header_shows_version_database_date_and_generation_time(report):
    from policy_tf import __version__

    _, html, _ = report
    assert f"policy_tf {__version__}" in html
    assert re.search(r"IAM database of \d{4}-\d{2}-\d{2}", html)
    assert re.search(r"generated \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", html)


def test_each_why_it_matters_is_the_findings_own_reason_with_one_full_stop(report):
    result, html, _ = report
    whys = re.findall(r"<strong>Why it matters:</strong> (.*?)</p>", html, re.S)
    assert len(whys) == len(result.findings)
    assert not any(".." in w for w in whys)
    assert all(w.endswith(".") for w in whys)
    passrole = [w for w, f in zip(whys, result.findings) if f.code == "PASS_ROLE_WITH_STAR_IN_RESOURCE"]
    assert passrole and "AWS rejects" not in passrole[0] and "reads it differently" not in passrole[0]


def test_no_reason_in_the_registry_gives_a_doubled_full_stop():
    from policy_tf.analysis.report.html_report import sentence

    assert all(not sentence(reason).endswith("..") for _, _, reason in rules().values())
    assert sentence("Ends here.") == "Ends here." and sentence("No stop") == "No stop." and sentence("") == ""


def test_svg_summary_counts_findings_by_category_and_severity_with_no_script(report):
    result, html, _ = report
    svg = _svg(html)
    segments = [t.text for t in svg.iter("title") if t.text and ":" in t.text]  # inline SVG: HTML gives its namespace
    counted: dict = {}
    for f in result.findings:
        counted[(f.category, f.severity)] = counted.get((f.category, f.severity), 0) + 1
    assert sorted(segments) == sorted(f"{c}: {n} {s}" for (c, s), n in counted.items())
    assert "<script" not in html and " on" not in re.sub(r"\s+", " ", _svg_text(html)).replace(" one", "")


def _svg_text(html: str) -> str:
    return re.search(r"<svg.*?</svg>", html, re.S).group(0)


def _png_size(path: Path) -> tuple:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def _colours(path: Path) -> set:
    """The distinct colours of a PNG screenshot, sampled every 4th row and column."""
    _, _, rows = headless.png_pixels(path.read_bytes())
    return {bytes(pixel) for row in rows[::4] for pixel in row[::4]}


@pytest.mark.slow
@pytest.mark.skipif(not headless.available(), reason=f"Chromium is not installed at {headless.CHROMIUM}")
def test_a_real_browser_draws_the_report_and_its_chart(report, tmp_path):
    _, _, html_path = report
    png = headless.screenshot(html_path, tmp_path / "report.png", width=1200, height=1400)
    assert _png_size(png) == (1200, 1400)
    colours = _colours(png)
    # the chart's severity colours are on the screen: the SVG was drawn, not shown as text
    for hex_colour in ("c25400", "8a6d00"):
        assert bytes.fromhex(hex_colour) in colours
    keep = Path(__file__).resolve().parents[2] / ".cache" / "audit-report.png"
    keep.parent.mkdir(exist_ok=True)
    keep.write_bytes(png.read_bytes())  # for a person to look at: .cache/ is not committed
