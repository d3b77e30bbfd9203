"""generate-template --cloudtrail: log files -> evidence -> one template per principal."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import partial

from policy_tf.core.errors import InputError
from policy_tf.sources.cloudtrail.aggregate import Evidence
from policy_tf.sources.cloudtrail.evidence import Filters
from policy_tf.sources.cloudtrail.records import delivered_before, source_for

MODES = ("crud", "actions")


def parse_when(text: str, flag: str, end: bool = False) -> str:
    """A date or date-time as CloudTrail writes eventTime (UTC, whole seconds).

    A bare date means the start of that day for ``--since`` and its end for ``--until``.
    """
    from datetime import datetime, timezone

    value = text.strip()
    try:
        when = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value)
    except ValueError:
        raise InputError(f"{flag}: expected a date (2026-11-01) or date-time (2026-11-01T12:00:00Z), "
                         f"got {text!r}") from None
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    if end and len(value) == 10:
        return when.strftime("%Y-%m-%dT23:59:59Z")
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Generated:
    evidence: Evidence
    templates: dict = field(default_factory=dict)  # principal -> YAML text
    nothing_granted: list = field(default_factory=list)  # principals seen, with nothing to grant
    bad_files: list = field(default_factory=list)  # BadFile
    missing: list = field(default_factory=list)  # --principal values matching no event


def generate(location: str, *, principals: tuple[str, ...] = (), since: str = "", until: str = "",
             mode: str = "crud", progress: bool = True, workers: int = 0, db=None) -> Generated:
    """Read every log file under ``location`` (a path or s3://bucket/prefix) and render templates.

    ``workers``: processes reading files (0: one per CPU for large inputs; 1: this process).
    """
    from policy_tf.sources.cloudtrail.scan import scan

    if mode not in MODES:
        raise InputError(f"--mode: expected one of {', '.join(MODES)}, got {mode!r}")
    if since and until and since > until:
        raise InputError(f"--since {since} is after --until {until}")
    files = source_for(location).files()
    if since:
        files = [f for f in files if not delivered_before(f.key, since[:10])]
    bar = _bar(len(files), progress)
    try:
        evidence, bad, rendered = scan(
            location, files, Filters(tuple(principals), since, until), workers=workers,
            db_path=db.path if db is not None else None, done=bar.update if bar is not None else None,
            render=partial(render_evidence, origin=location, mode=mode))
    finally:
        if bar is not None:
            bar.close()
    result = Generated(evidence, bad_files=bad)
    if rendered is None:
        return render_templates(result, location, principals, mode)
    result.templates, result.nothing_granted = rendered
    result.missing = _missing(principals, evidence)
    return result


def render_evidence(evidence: Evidence, origin: str, mode: str) -> tuple[dict, list]:
    """(principal -> template text, principals with nothing to grant), in principal order."""
    from policy_tf.sources.cloudtrail.render import actions_template, crud_template

    render = crud_template if mode == "crud" else actions_template
    templates, nothing = {}, []
    for principal in sorted(evidence.principals):
        text, _data = render(evidence.principals[principal], origin)
        if text:
            templates[principal] = text
        else:
            nothing.append(principal)
    return templates, nothing


def render_templates(result: Generated, origin: str, principals: tuple[str, ...], mode: str) -> Generated:
    """Fill ``result`` with one template per principal of its evidence (the file and Athena paths alike)."""
    result.templates, result.nothing_granted = render_evidence(result.evidence, origin, mode)
    result.missing = _missing(principals, result.evidence)
    return result


def _missing(principals: tuple[str, ...], evidence: Evidence) -> list[str]:
    """The --principal values that match no principal of the evidence."""
    return [p for p in principals if not any(Filters((p,)).wants(q) for q in evidence.principals)]


def _bar(total: int, enabled: bool):
    from policy_tf.core.progress import bar

    return bar(total, "CloudTrail", "file", enabled=enabled, leave=False)


def template_names(principals) -> dict[str, str]:
    """principal -> ``<account>-<type>-<name>.yml``, distinct even on case-insensitive file systems
    and never longer than a file name may be."""
    from policy_tf.core.atomic import fit_name
    from policy_tf.sources.cloudtrail.principal import file_stem

    names: dict[str, str] = {}
    taken: set[str] = set()
    for principal in sorted(principals):
        stem, n = file_stem(principal), 1
        name = fit_name(f"{stem}.yml")
        while name.lower() in taken:  # case-insensitive file systems
            n += 1
            name = fit_name(f"{stem}-{n}.yml")
        taken.add(name.lower())
        names[principal] = name
    return names


def write_templates(templates: dict[str, str], output_dir: str, force: bool = False) -> list[str]:
    """One ``<account>-<type>-<name>.yml`` per principal in ``output_dir``; every file or none.

    Written by ``atomic.Batch``: nothing is followed through a symbolic link at or under
    ``output_dir``, and a full or read-only disk, or a file where the folder belongs, is one
    ``OutputError`` naming the path, with no file (and no folder it made) left behind.
    Existing files are kept unless ``force`` (they may hold edits).
    """
    import errno

    from policy_tf.core.atomic import Batch, OutputError

    names = template_names(templates)
    if not force:
        for name in names.values():
            path = os.path.join(output_dir, name)
            if os.path.lexists(path):
                raise OutputError(path, "it already exists (it may hold your edits); use --force to overwrite",
                                  errno.EEXIST)
    with Batch(output_dir) as batch:
        for principal, name in names.items():
            batch.write_text(name, templates[principal])
    return [os.path.join(output_dir, names[p]) for p in names]
