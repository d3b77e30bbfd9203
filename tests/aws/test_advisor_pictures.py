"""The Access Advisor HTML report's pictures: inline SVG, no JavaScript, readable dates, and what a real
headless browser (Chromium, tests/headless.py) draws of them."""
from __future__ import annotations

import datetime
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest

from policy_tf.aws import advisor_charts
from policy_tf.aws.advisor import Job, report
from policy_tf.aws.advisor_render import to_html
from policy_tf.aws.entities import Entity
from tests import headless

NOW = datetime.datetime.now(datetime.timezone.utc)


def _job(kind: str, name: str, services: dict[str, int | None]) -> Job:
    entity = Entity(kind, name, f"arn:aws:iam::123456789012:{kind[:-1]}/{name}", "/", NOW)
    job = Job(entity, "SERVICE_LEVEL", completed=NOW)
    job.services = [{"ServiceNamespace": ns, "ServiceName": ns, "TotalAuthenticatedEntities": int(days is not None),
                     **({"LastAuthenticated": NOW - datetime.timedelta(days=days, hours=1)}
                        if days is not None else {})}
                    for ns, days in services.items()]
    return job


@pytest.fixture
def page() -> str:
    jobs = [_job("roles", "app", {"s3": 2, "dynamodb": 200, "logs": 1, "sqs": None}),
            _job("roles", "<script>alert(1)</script>", {"ec2": 10, "kms": None}),
            _job("users", "alice", {"ec2": None, "iam": None, "sts": 30, "s3": 95}),
            _job("roles", "worker", {"sqs": 1, "sns": 4})]  # 100 %: green at the top of the page too
    return to_html(report(jobs, 90, "SERVICE_LEVEL", "123456789012"))


def test_the_page_has_no_script_and_every_picture_is_well_formed_svg(page):
    assert "<script" not in page.replace("&lt;script&gt;", "")
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    assert len(svgs) == 2 + 2 * 4  # account-wide two, two per entity
    for svg in svgs:
        ElementTree.fromstring(svg)


def test_dates_are_readable_with_days_ago_not_microseconds(page):
    assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d{6}", page)
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC \(2 days ago\)", page)
    assert ">never<" in page


def test_each_entity_has_a_used_against_unused_bar():
    svg = advisor_charts.usage_bar(3, 1)
    assert "3 of 4 services used, 1 unused" in svg and "3 used / 1 unused" in svg


def test_days_since_last_use_marks_the_period_and_never_used_services():
    services = [{"namespace": "s3", "last_accessed": (NOW - datetime.timedelta(days=5)).isoformat(), "used": True},
                {"namespace": "ec2", "last_accessed": None, "used": False}]
    svg = advisor_charts.days_chart(services, NOW, 90)
    assert "s3: last used 5 days ago" in svg and "ec2: never used" in svg and "90-day period" in svg


def test_a_service_used_yesterday_or_today_reads_as_such():
    services = [{"namespace": "s3", "last_accessed": (NOW - datetime.timedelta(days=1, hours=1)).isoformat(),
                 "used": True},
                {"namespace": "sqs", "last_accessed": (NOW - datetime.timedelta(hours=1)).isoformat(), "used": True}]
    svg = advisor_charts.days_chart(services, NOW, 90)
    assert "s3: last used 1 day ago" in svg and "sqs: last used today" in svg


def test_coverage_distribution_counts_entities_per_tenth():
    svg = advisor_charts.coverage_histogram([0.0, 5.0, 50.0, 100.0, 100.0])
    assert "0-10 %: 2 entities" in svg and "50-60 %: 1 entity" in svg and "90-100 %: 2 entities" in svg


def test_most_unused_ranks_entities_by_unused_services():
    entities = [{"type": "role", "name": "a", "services_unused": ["x"]},
                {"type": "user", "name": "b", "services_unused": ["x", "y", "z"]}]
    svg = advisor_charts.most_unused_chart(entities)
    assert svg.index("user/b") < svg.index("role/a")


# --- in a real browser --------------------------------------------------------------------------

def _pixels(png: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """(width, height, every other pixel of each row), from the shared PNG reader."""
    width, height, rows = headless.png_pixels(png)
    return width, height, [pixel for row in rows for pixel in row[::2]]


def _near(pixel, hex_colour: str, tolerance: int = 12) -> bool:
    target = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, target))


@pytest.mark.skipif(not (shutil.which("chromium") or Path("/usr/bin/chromium").exists()),
                    reason="chromium is not installed (/usr/bin/chromium)")
def test_chromium_draws_the_used_and_unused_bars(page, tmp_path):
    html = tmp_path / "report.html"
    html.write_text(page, encoding="utf-8")
    headless.screenshot(html, tmp_path / "report.png")  # only the shared signature: (html_path, png_path)
    width, height, pixels = _pixels((tmp_path / "report.png").read_bytes())
    assert width >= 600 and height >= 400
    used = sum(_near(p, advisor_charts.USED) for p in pixels)
    unused = sum(_near(p, advisor_charts.UNUSED) for p in pixels)
    # Both colours in bars (not a stray pixel of text), already in the account-wide charts at the top.
    assert used > 500 and unused > 500, (used, unused)
