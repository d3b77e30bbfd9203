"""Scraper for AWS's *Service Authorization Reference* HTML pages.

Each page ("Actions, resources, and condition keys for <service>") names its service prefix
and holds up to three tables. Tables and columns are found by their header text, never by
position: AWS has moved and dropped columns before. Rowspans are expanded into a full grid so
that continuation rows (which carry only their own cells) line up with their action.

Two layouts are read. Until June 2026: Actions | Description | Access level | Resource types |
Condition keys | Dependent actions, with ``[permission only]`` after an action's name. Since
July 2026: Actions | Description | Resource types | Condition keys | Access level (no
dependent actions); permission-only actions in their own table under a "Permission-only
actions for <service>" heading; dual levels ("Tagging, Write", "Permissions management,
Write"), kept as documented with one effective level by ``model.PRECEDENCE``; and an "API
operations defined by <service>" table (Operation | IAM action | Condition key | Possible
value(s) | Access level, sometimes an SDK client column).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from policy_tf.errors import InputError
from policy_tf.iamdb.model import (
    PRECEDENCE,
    Action,
    ConditionKey,
    Operation,
    ResourceRef,
    ResourceType,
    Service,
    effective_level,
)

_SPACE = re.compile(r"\s+")
_PERMISSION_ONLY = re.compile(r"\[\s*permission\s+only\s*\]", re.I)
_PERMISSION_ONLY_SECTION = re.compile(r"permission[-\s]only\s+actions", re.I)
_HEADING = re.compile(r"^h[1-6]$")


@dataclass
class PageResult:
    """A parsed page plus what looked wrong on it (shown by the build, never dropped silently)."""

    service: Service
    warnings: list[str] = field(default_factory=list)


def _text(node) -> str:
    return _SPACE.sub(" ", node.get_text(" ", strip=True)).strip() if node is not None else ""


def _entries(cell) -> list[str]:
    """The entries of a list cell: one per <p> (names may contain spaces), else per line."""
    if cell is None:
        return []
    paras = cell.find_all("p")
    items = (
        [_text(p) for p in paras]
        if paras
        else [_SPACE.sub(" ", line).strip() for line in cell.get_text("\n").split("\n")]
    )
    return [item for item in items if item]


def _header_key(text: str) -> str:
    """Normalise a header: 'Resource types (*required)' -> 'resource types'."""
    text = re.sub(r"\(.*?\)", "", text.lower())
    return _SPACE.sub(" ", text).strip()


def _headers(table) -> list[str]:
    head = table.find("thead")
    row = head.find("tr") if head else table.find("tr")
    if row is None:
        return []
    return [_header_key(_text(th)) for th in row.find_all(["th", "td"], recursive=False)]


def _body_rows(table):
    for row in table.find_all("tr"):
        if row.find_parent("thead") is not None or row.find("th", recursive=False) is not None:
            continue
        yield row


def _grid(table, width: int):
    """Yield (cells, scenario) per body row, rowspans expanded into a full grid.

    A SCENARIO row (ec2:RunInstances and a few others) is a sub-heading inside an action's
    rowspan: it restates the resources required in one scenario. It is yielded with
    ``scenario`` set to its own cells so the caller can keep its resource types.
    """
    pending: dict[int, list] = {}  # column -> [cell, rows still covered]
    for row in _body_rows(table):
        own = row.find_all(["td", "th"], recursive=False)
        if any(_text(cell).upper().startswith("SCENARIO:") for cell in own):
            shared = [pending[col][0] if col in pending else None for col in range(width)]
            _advance(pending)
            yield shared, own
            continue
        cells: list = []
        queue = list(own)
        col = 0
        while col < width and (queue or col in pending):
            if col in pending:
                cells.append(pending[col][0])
            else:
                cell = queue.pop(0)
                span = int(cell.get("rowspan", "1") or 1)
                if span > 1:
                    pending[col] = [cell, span]
                cells.append(cell)
            col += 1
        cells.extend([None] * (width - len(cells)))
        _advance(pending)
        yield cells, None


def _advance(pending: dict[int, list]) -> None:
    for col in list(pending):
        pending[col][1] -= 1
        if pending[col][1] <= 0:
            del pending[col]


def _column(headers: list[str], *names: str) -> int | None:
    for name in names:
        if name in headers:
            return headers.index(name)
    return None


def _classify(headers: list[str]) -> str | None:
    """Which table this is, from its header texts alone (columns may come in any order)."""
    if "operation" in headers and _column(headers, "iam action", "iam actions") is not None:
        return "operations"
    if "actions" in headers and "access level" in headers:
        return "actions"
    if "arn" in headers and _column(headers, "resource types", "resource type") is not None:
        return "resources"
    if "type" in headers and _column(headers, "condition keys", "condition key") is not None:
        return "conditions"
    return None


def _resource_name(entry: str) -> tuple[str, bool]:
    entry = entry.strip()
    required = entry.endswith("*")
    return entry.rstrip("*").strip(), required


def _in_permission_only_section(table) -> bool:
    """Whether the table sits under a "Permission-only actions for <service>" heading."""
    heading = table.find_previous(_HEADING)
    return heading is not None and _PERMISSION_ONLY_SECTION.search(_text(heading)) is not None


def _parse_actions(table, headers: list[str], service: Service, warnings: list[str]) -> None:
    col_action = _column(headers, "actions")
    col_desc = _column(headers, "description")
    col_level = _column(headers, "access level")
    col_res = _column(headers, "resource types")
    col_keys = _column(headers, "condition keys")
    col_deps = _column(headers, "dependent actions")
    if col_action is None or col_level is None:
        raise InputError(f"{service.sources[0]}: actions table lacks an Actions or Access level column")

    def cell(cells, col):
        return cells[col] if col is not None else None

    section_permission_only = _in_permission_only_section(table)
    current: Action | None = None
    current_cell = None
    for cells, scenario in _grid(table, len(headers)):
        action_cell = cells[col_action]
        if action_cell is None:
            continue
        if action_cell is not current_cell:
            current_cell = action_cell
            current = _new_action(
                action_cell, _text(cell(cells, col_desc)), _text(cell(cells, col_level)), service, warnings
            )
            if current is not None and section_permission_only:
                current.permission_only = True
        if current is None:
            continue
        if scenario is not None:
            _scenario_resources(scenario, current)
            continue
        names = _entries(cell(cells, col_res))
        keys = _entries(cell(cells, col_keys))
        deps = _entries(cell(cells, col_deps))
        if not names:
            _add_ref(current, "", False, keys, deps)
        for entry in names:
            name, required = _resource_name(entry)
            _add_ref(current, name, required, keys, deps)


def _new_action(cell, description: str, level_text: str, service: Service, warnings: list[str]) -> Action | None:
    raw = _text(cell)
    permission_only = bool(_PERMISSION_ONLY.search(raw))
    name = _PERMISSION_ONLY.sub("", raw).strip()
    if not name:
        return None
    level = effective_level(level_text)
    if level is None:
        warnings.append(f"{service.prefix}:{name}: unknown access level {level_text!r}; action skipped")
        return None
    documented = ", ".join(part.strip() for part in level_text.split(","))
    link = cell.find("a", href=True)
    api_doc = link["href"] if link is not None and link["href"].startswith("http") else ""
    action = service.actions.get(name)
    if action is None:
        action = service.actions[name] = Action(
            name, level, description, permission_only, api_doc,
            documented_level=documented if documented != level else "")
    elif action.access_level != level:
        warnings.append(
            f"{service.prefix}:{name}: listed twice with levels {action.access_level} and "
            f"{level}; kept {action.access_level}"
        )
    return action


def _add_ref(action: Action, name: str, required: bool, keys: list[str], deps: list[str]) -> None:
    """Add one resource row; the same resource listed twice (required and optional) merges."""
    for ref in action.resources:
        if ref.resource_type == name:
            ref.required = ref.required or required
            ref.condition_keys.extend(k for k in keys if k not in ref.condition_keys)
            ref.dependent_actions.extend(d for d in deps if d not in ref.dependent_actions)
            return
    action.resources.append(ResourceRef(name, required, list(dict.fromkeys(keys)), list(dict.fromkeys(deps))))


def _scenario_resources(cells, action: Action) -> None:
    """Resource types named only inside a SCENARIO row are kept as optional resources."""
    known = {ref.resource_type for ref in action.resources}
    for cell in cells:
        for link in cell.find_all("a"):
            name, _ = _resource_name(_text(link))
            if name and name not in known:
                action.resources.append(ResourceRef(name, False))
                known.add(name)


def _parse_operations(table, headers: list[str], service: Service) -> None:
    """The "API operations" table: each operation with the IAM actions it needs.

    An operation spans several rows (one per action, or per condition key); rows without an
    operation cell of their own belong to the operation above (rowspans are expanded).
    """
    col_op = _column(headers, "operation")
    col_action = _column(headers, "iam action", "iam actions")
    col_keys = _column(headers, "condition key", "condition keys")
    col_level = _column(headers, "access level")
    current: Operation | None = None
    for cells, _ in _grid(table, len(headers)):
        name = _text(cells[col_op])
        if name:
            current = service.operations.setdefault(name, Operation(name))
        if current is None:
            continue
        for entry in _entries(cells[col_action]):
            action = entry if ":" in entry else f"{service.prefix}:{entry}"
            if action not in current.actions:
                current.actions.append(action)
        if col_keys is not None:
            current.condition_keys.extend(k for k in _entries(cells[col_keys]) if k not in current.condition_keys)
        level = (
            effective_level(_text(cells[col_level])) if col_level is not None and cells[col_level] is not None else None
        )
        if level and (not current.access_level or PRECEDENCE.index(level) < PRECEDENCE.index(current.access_level)):
            current.access_level = level


def _parse_resources(table, headers: list[str], service: Service, warnings: list[str]) -> None:
    col_name, col_arn = _column(headers, "resource types", "resource type"), _column(headers, "arn")
    col_keys = _column(headers, "condition keys")
    for cells, _ in _grid(table, len(headers)):
        name = _text(cells[col_name]).rstrip("*").strip()
        if not name:
            continue
        arn = re.sub(r"\s+", "", cells[col_arn].get_text()) if cells[col_arn] is not None else ""
        keys = _entries(cells[col_keys]) if col_keys is not None else []
        if not arn.startswith("arn:"):
            warnings.append(f"{service.prefix}: resource type {name!r} has no ARN format ({arn!r})")
        existing = service.resource_types.get(name)
        if existing is not None:
            existing.add_format(arn)
            continue
        service.resource_types[name] = ResourceType(name, arn, keys)


def _parse_conditions(table, headers: list[str], service: Service) -> None:
    col_key = _column(headers, "condition keys", "condition key")
    col_desc = _column(headers, "description")
    col_type = _column(headers, "type")
    for cells, _ in _grid(table, len(headers)):
        key = _text(cells[col_key])
        if not key:
            continue
        service.condition_keys[key] = ConditionKey(
            key,
            _text(cells[col_type]) if col_type is not None else "",
            _text(cells[col_desc]) if col_desc is not None else "",
        )


def _prefix_and_name(soup, source: str) -> tuple[str, str]:
    marker = soup.find(string=re.compile(r"service\s+prefix", re.I))
    code = marker.find_next("code") if marker is not None else None
    prefix = _text(code)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", prefix or ""):
        raise InputError(f"{source}: no 'service prefix' found (got {prefix!r})")
    title = soup.find("h1")
    name = _text(title)
    name = re.sub(r"^Actions,\s*resources,\s*and\s*condition\s*keys\s*for\s*", "", name, flags=re.I)
    return prefix, name or prefix


def parse_page(html: str | bytes, source: str) -> PageResult:
    """Parse one page into a Service (tables found by header text)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, _parser())
    prefix, name = _prefix_and_name(soup, source)
    service = Service(prefix, name, sources=[source])
    warnings: list[str] = []
    for table in soup.find_all("table"):
        headers = _headers(table)
        kind = _classify(headers)
        if kind == "actions":
            _parse_actions(table, headers, service, warnings)
        elif kind == "resources":
            _parse_resources(table, headers, service, warnings)
        elif kind == "conditions":
            _parse_conditions(table, headers, service)
        elif kind == "operations":
            _parse_operations(table, headers, service)
    if not service.actions:
        warnings.append(f"{source}: no actions found for {prefix}")
    return PageResult(service, warnings)


def _parser() -> str:
    try:
        import lxml  # noqa: F401  (3-4x faster than html.parser on these pages)

        return "lxml"
    except ImportError:
        return "html.parser"


def parse_file(path: Path) -> PageResult:
    from policy_tf.safeload import read_user_bytes  # the input gate: a FIFO named x.html must not hang

    return parse_page(read_user_bytes(str(path), "documentation page"), path.name)


def merge(services: list[Service]) -> Service:
    """Merge pages that share one prefix (aws-marketplace has 11) without losing any row."""
    first = services[0]
    merged = Service(first.prefix, first.name, [])
    for service in services:
        merged.sources.extend(service.sources)
        for name, action in service.actions.items():
            target = merged.actions.get(name)
            if target is None:
                merged.actions[name] = action
                continue
            for ref in action.resources:
                _add_ref(target, ref.resource_type, ref.required, ref.condition_keys, ref.dependent_actions)
        for name, rtype in service.resource_types.items():
            into = merged.resource_types.setdefault(name, rtype)
            for arn_format in rtype.arn_formats:
                into.add_format(arn_format)
            into.condition_keys.extend(k for k in rtype.condition_keys if k not in into.condition_keys)
        for name, key in service.condition_keys.items():
            merged.condition_keys.setdefault(name, key)
        for name, operation in service.operations.items():
            kept = merged.operations.setdefault(name, operation)
            if kept is not operation:
                kept.actions.extend(a for a in operation.actions if a not in kept.actions)
                kept.condition_keys.extend(k for k in operation.condition_keys if k not in kept.condition_keys)
    names = sorted({s.name for s in services}, key=lambda n: (len(n), n))
    merged.name = names[0]
    return merged


# AWS's index page; ``initialize --fetch`` saves it beside the pages it lists.
INDEX_PAGE = "reference_policies_actions-resources-contextkeys.html"


def folder_pages(folder: Path) -> tuple[list[Path], list[str]]:
    """The pages to read, and warnings about pages left out.

    When the folder holds AWS's index page, only the pages it links are read: a page AWS
    renamed or retired (``list_amazons3.html`` became ``list_s3.html``) would otherwise be
    merged with its successor and bring back its old data.
    """
    index = folder / INDEX_PAGE
    pages = sorted(p for p in folder.glob("*.html") if p.name != INDEX_PAGE)
    if not index.is_file():
        return pages, []
    from policy_tf.iamdb.fetch import linked_page_names
    from policy_tf.safeload import read_user_bytes

    listed = linked_page_names(read_user_bytes(str(index), "index page").decode("utf-8", errors="replace"))
    unlisted = [p.name for p in pages if p.name not in listed]
    warnings = [f"{name}: not listed in {INDEX_PAGE}; not read" for name in unlisted]
    missing = sorted(listed - {p.name for p in pages})
    if missing:
        warnings.append(
            f"{len(missing)} pages linked from {INDEX_PAGE} are not in the folder: {', '.join(missing[:10])}"
        )
    return [p for p in pages if p.name in listed], warnings


def read_folder(folder: Path, jobs: int | None = None) -> tuple[list[Service], list[str]]:
    """Parse every page of a folder (in parallel) and merge pages per prefix."""
    pages, warnings = folder_pages(folder)
    if not pages:
        raise InputError(f"{folder}: no *.html pages found")
    results = _parse_all(pages, jobs)
    by_prefix: dict[str, list[Service]] = {}
    for result in results:
        by_prefix.setdefault(result.service.prefix, []).append(result.service)
        warnings.extend(result.warnings)
    return [merge(group) for _, group in sorted(by_prefix.items())], warnings


def _parse_all(pages: list[Path], jobs: int | None) -> list[PageResult]:
    import os

    jobs = jobs or min(len(pages), os.cpu_count() or 1)
    if jobs <= 1 or len(pages) < 8:
        return [parse_file(page) for page in pages]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(jobs) as pool:
        return list(pool.map(parse_file, pages, chunksize=8))
