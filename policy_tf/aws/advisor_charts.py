"""Inline SVG pictures of an Access Advisor report: no JavaScript, no external file, readable offline.

* ``usage_bar``: one entity's services, used against unused, as one split bar;
* ``days_chart``: days since each service was last used, one bar a service, the period marked;
* ``coverage_histogram``: how many entities fall in each tenth of coverage, account-wide;
* ``most_unused_chart``: the entities with the most unused services.

Every text that comes from the account (names, namespaces) is escaped; every shape has a
``<title>`` so that hovering tells the numbers, and a visible label says them too.
"""
from __future__ import annotations

import datetime
from html import escape

USED, UNUSED, NEVER, AXIS = "#2e7d32", "#c62828", "#9e9e9e", "#555"
FONT = 'font-family="sans-serif" font-size="12"'


def parse_time(text: str | None) -> datetime.datetime | None:
    """An ISO 8601 time from the report (aware, UTC), or None."""
    if not text:
        return None
    try:
        value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)


def readable(text: str | None, now: datetime.datetime | None = None) -> str:
    """``2026-03-01 14:05 UTC (3 days ago)``; ``never`` for None."""
    when = parse_time(text)
    if when is None:
        return "never" if not text else text
    shown = when.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    if now is None:
        return shown
    return f"{shown} ({ago(days_since(when, now))})"


def ago(days: int) -> str:
    """``today``, ``1 day ago``, ``3 days ago``."""
    return "today" if days == 0 else "1 day ago" if days == 1 else f"{days} days ago"


def counted(count: int, noun: str) -> str:
    """``1 entity``, ``2 entities``, ``1 unused service``, ``3 unused services``."""
    if count == 1:
        return f"1 {noun}"
    return f"{count} {noun[:-1]}ies" if noun.endswith("y") else f"{count} {noun}s"


def days_since(when: datetime.datetime, now: datetime.datetime) -> int:
    return max(0, (now - when).days)


def _svg(width: int, height: int, label: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>' + "".join(body) + "</svg>")


def usage_bar(used: int, unused: int, width: int = 320) -> str:
    """A split bar: used services (green) then unused (red), with the counts written beside it."""
    total = used + unused
    label = f"{used} of {total} services used, {unused} unused"
    if total == 0:
        return _svg(width, 20, "no services granted", [f'<text x="0" y="14" {FONT}>no services granted</text>'])
    bar = width - 150
    used_width = round(bar * used / total)
    body = [f'<rect x="0" y="2" width="{used_width}" height="16" fill="{USED}"><title>{used} used</title></rect>',
            f'<rect x="{used_width}" y="2" width="{bar - used_width}" height="16" fill="{UNUSED}">'
            f'<title>{unused} unused</title></rect>',
            f'<text x="{bar + 8}" y="15" {FONT}>{used} used / {unused} unused</text>']
    return _svg(width, 20, label, body)


def days_chart(services: list[dict], now: datetime.datetime, period: int, width: int = 560) -> str:
    """Days since each service was last used (a bar each; ``never`` in grey), the period as a dashed line."""
    rows = []
    for service in services:
        when = parse_time(service.get("last_accessed"))
        rows.append((service["namespace"], None if when is None else days_since(when, now), bool(service.get("used"))))
    rows.sort(key=lambda r: (r[1] is None, r[1] if r[1] is not None else 0, r[0]))
    longest = max([period] + [r[1] for r in rows if r[1] is not None])
    label_width, row, plot = 150, 18, width - 150 - 90
    height = row * len(rows) + 24
    body = []
    for index, (name, days, used) in enumerate(rows):
        y = index * row + 2
        body.append(f'<text x="{label_width - 6}" y="{y + 12}" text-anchor="end" {FONT}>{escape(name)}</text>')
        if days is None:
            body.append(f'<rect x="{label_width}" y="{y + 2}" width="{plot}" height="12" fill="{NEVER}" opacity="0.35">'
                        f'<title>{escape(name)}: never used</title></rect>'
                        f'<text x="{label_width + plot + 6}" y="{y + 12}" {FONT}>never</text>')
            continue
        length = max(2, round(plot * days / longest))
        body.append(f'<rect x="{label_width}" y="{y + 2}" width="{length}" height="12" '
                    f'fill="{USED if used else UNUSED}">'
                    f'<title>{escape(name)}: last used {ago(days)}</title></rect>'
                    f'<text x="{label_width + length + 6}" y="{y + 12}" {FONT}>{days} d</text>')
    mark = label_width + round(plot * period / longest)
    top = row * len(rows) + 2
    body.append(f'<line x1="{mark}" y1="0" x2="{mark}" y2="{top}" stroke="{AXIS}" stroke-dasharray="4 3"/>'
                f'<text x="{mark}" y="{top + 16}" text-anchor="middle" {FONT}>{period}-day period</text>')
    return _svg(width, height, "days since each service was last used", body)


def coverage_histogram(percents: list[float], width: int = 520) -> str:
    """Entities per tenth of coverage (0-10 %, ..., 90-100 %)."""
    bins = [0] * 10
    for value in percents:
        bins[min(9, int(value // 10))] += 1
    tallest = max(bins) or 1
    plot_height, bottom, column = 120, 140, (width - 40) // 10
    body = [f'<line x1="30" y1="{bottom}" x2="{width - 5}" y2="{bottom}" stroke="{AXIS}"/>']
    for index, count in enumerate(bins):
        height = round(plot_height * count / tallest)
        x = 34 + index * column
        colour = UNUSED if index < 3 else ("#f9a825" if index < 7 else USED)
        span = f"{index * 10}-{index * 10 + 10} %"
        body.append(f'<rect x="{x}" y="{bottom - height}" width="{column - 6}" height="{height}" fill="{colour}">'
                    f'<title>{span}: {counted(count, "entity")}</title></rect>'
                    f'<text x="{x + (column - 6) / 2}" y="{bottom - height - 4}" text-anchor="middle" '
                    f'{FONT}>{count}</text>'
                    f'<text x="{x + (column - 6) / 2}" y="{bottom + 14}" text-anchor="middle" '
                    f'{FONT}>{index * 10}%</text>')
    body.append(f'<text x="{width // 2}" y="{bottom + 32}" text-anchor="middle" {FONT}>coverage: share of granted '
                'services used within the period</text>')
    return _svg(width, bottom + 40, "number of entities by coverage", body)


def most_unused_chart(entities: list[dict], limit: int = 10, width: int = 520) -> str:
    """The ``limit`` entities with the most unused services, most first."""
    ranked = sorted(((len(e["services_unused"]), e["type"], e["name"]) for e in entities if e["services_unused"]),
                    key=lambda r: (-r[0], r[1], r[2]))[:limit]
    if not ranked:
        return _svg(width, 20, "no entity has unused services",
                    [f'<text x="0" y="14" {FONT}>no entity has unused services</text>'])
    label_width, row = 220, 18
    plot = width - label_width - 50
    most = ranked[0][0]
    body = []
    for index, (count, kind, name) in enumerate(ranked):
        y = index * row + 2
        length = max(2, round(plot * count / most))
        body.append(f'<text x="{label_width - 6}" y="{y + 12}" text-anchor="end" '
                    f'{FONT}>{escape(kind)}/{escape(name[:28])}'
                    f'</text><rect x="{label_width}" y="{y + 2}" width="{length}" height="12" fill="{UNUSED}">'
                    f'<title>{escape(kind)}/{escape(name)}: {counted(count, "unused service")}</title></rect>'
                    f'<text x="{label_width + length + 6}" y="{y + 12}" {FONT}>{count}</text>')
    return _svg(width, row * len(ranked) + 6, "entities with the most unused services", body)
