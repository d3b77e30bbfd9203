"""Write one policy file per template in a folder (``write-policy-dir``).

Each template ``D/<path>.yml`` becomes ``O/<path>.json`` holding exactly what ``write-policy``
prints. Safety rules, because O is often committed and read by Terraform:

* every write goes through the one writer (``atomic.Batch``): atomic, all or none (a full or
  read-only disk leaves O as it was), and a file whose content would not change is left alone,
  so its mtime and any build depending on it stay put;
* nothing is written or deleted outside O: folders are opened one level at a time without
  following links, and a symbolic link (or anything but a regular file) in an output's place
  is that template's error, never followed;
* ``--prune`` deletes only ``*.json`` files that hold a policy policy_tf could have written;
* ``--check`` writes and deletes nothing: it lists the outputs that are out of date (would be
  written, or pruned with ``--prune``), for CI and pre-commit.

There is deliberately no cache: policy_tf writes nothing outside O, and regenerating is fast.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from policy_tf.core.errors import PROG, InputError, PolicyTfError
from policy_tf.writing.fit import LIMITS

TEMPLATE_SUFFIXES = (".yml", ".yaml", ".json")
OUTPUT_SUFFIX = ".json"
FIT_CHOICES = tuple(LIMITS)
# Templates to generate per worker before another process pays for itself: a worker costs
# about 60 ms to start and warm its database lookups; a small template takes 2 to 5 ms.
TEMPLATES_PER_WORKER = 64
PROGRESS_FROM = 50  # templates to generate; fewer finish before a bar would be seen


@dataclass(frozen=True)
class FileError:
    """A template that was not written, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class DirSummary:
    """What ``write_policy_dir`` did; paths as the caller spelled the folders."""

    written: list[str] = field(default_factory=list)  # outputs created or changed (--check: out of date)
    unchanged: list[str] = field(default_factory=list)  # outputs already up to date, not rewritten
    pruned: list[str] = field(default_factory=list)  # (--check: would be pruned)
    checked: bool = False  # a --check run: nothing was written
    errors: list[FileError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {"written": len(self.written), "unchanged": len(self.unchanged), "pruned": len(self.pruned),
                "failed": len(self.errors), "warnings": len(self.warnings)}

    def line(self) -> str:
        return ", ".join(f"{name} {n}" for name, n in self.counts.items())


@dataclass
class _Item:
    """One template found in the input folder."""

    rel: tuple[str, ...]  # path parts below the input folder
    source: str  # path as shown to the user
    out_rel: tuple[str, ...]
    out_path: str
    text: str = ""


# --- entry point -----------------------------------------------------------------------------


def write_policy_dir(input_dir: str | os.PathLike, output_dir: str | os.PathLike, *, minimize: int | None = None,
                     fit: str | None = None, recursive: bool = False, prune: bool = False, jobs: int = 1,
                     progress: bool = False, check: bool = False) -> DirSummary:
    """Write ``output_dir/<name>.json`` for every template in ``input_dir``.

    ``check``: write and delete nothing; ``written`` (and ``pruned``) then list what is out of date.

    ``jobs`` is the number of worker processes; 0 picks one per CPU when enough templates
    need generating. Bad templates are reported in the summary; the good ones are written.
    """
    if minimize is not None and (not isinstance(minimize, int) or minimize < 0):
        raise InputError(f"minimize: expected a whole number of characters, 0 or more, got {minimize!r}")
    if fit is not None and fit not in FIT_CHOICES:
        raise InputError(f"fit: expected one of {', '.join(FIT_CHOICES)}, got {fit!r}")
    if not isinstance(jobs, int) or jobs < 0:
        raise InputError(f"jobs: expected 0 (automatic) or more, got {jobs!r}")
    for flag, value in (("--input-dir", input_dir), ("--output-dir", output_dir)):
        if str(value) == "":
            raise InputError(f"{flag} '': expected a folder name (use . for the current folder)")
        if "\0" in str(value):
            raise InputError(f"{flag} {str(value)!r}: not a valid path (it holds a NUL character)")
    src, out = Path(input_dir), Path(output_dir)
    src_root = _check_folders(src, out, recursive)

    summary = DirSummary(checked=check)
    items, skipped = _find(src_root, src, out, recursive)
    summary.notes += [f"{path}: symbolic link to a folder, not followed" for path in skipped]
    # Every template found counts as present for --prune, even one that fails below.
    present = {_key(item.out_rel) for item in items}
    items = _drop_collisions(items, summary)
    items = _read(items, summary)

    try:
        if not check:
            out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create the output folder: {_reason(exc)}") from None
    out_root = out.resolve()  # now that it exists, with any symlinks in its own path resolved
    messages: dict[tuple, tuple[list[str], list[str]]] = {}  # rel -> (warnings, notes), reported in file order
    if items:
        _generate_and_write(items, out_root, summary, messages, minimize=minimize, fit=fit,
                            workers=_workers(jobs, len(items)), progress=progress and len(items) >= PROGRESS_FROM,
                            check=check)
    if prune and os.path.isdir(out_root):
        _prune(out_root, out, recursive, present, summary, check=check)
    for item in items:
        warnings, notes = messages.get(item.rel, ((), ()))
        summary.warnings += [f"{item.source}: {_without_prefix(str(w), item.source)}" for w in warnings]
        summary.notes += [f"{item.source}: {_without_prefix(n, item.source)}" for n in notes]
    # Sorted, whatever order the workers finished in: stable logs.
    summary.written.sort()
    summary.unchanged.sort()
    summary.errors.sort(key=lambda e: e.path)
    return summary


def _generate_and_write(todo: list[_Item], out_root: Path, summary: DirSummary,
                        messages: dict, *, minimize: int | None, fit: str | None, workers: int,
                        progress: bool, check: bool = False) -> None:
    from policy_tf.core.atomic import Batch, OutputError
    from policy_tf.iamdb import database

    database.get()  # a missing or broken database is one error, not one per template
    written: list[_Item] = []
    failure: OutputError | None = None
    if check:  # --check: what would be written, nothing written
        _check_outputs(todo, out_root, summary, messages, minimize=minimize, fit=fit, workers=workers)
        return
    batch = Batch(out_root)
    try:
        with _progress(progress, len(todo)) as bar:
            # Results first in zip: it then runs the pool's generator to its end, which shuts the pool down.
            for (content, error, warnings, notes), item in zip(_generate_all(todo, minimize, fit, workers), todo):
                bar.update()
                if error is not None:
                    summary.errors.append(FileError(item.source, _without_prefix(error, item.source)))
                    continue
                messages[item.rel] = (warnings, notes)
                if failure is not None:
                    written.append(item)  # reported below as not written, like those staged before
                    continue
                try:
                    changed = batch.write_bytes("/".join(item.out_rel), content.encode("utf-8"))
                except OutputError as exc:
                    # A link or device in the way is this template's error; a failing disk stops all writing.
                    summary.errors.append(FileError(item.source, f"not written to {item.out_path}: {_reason(exc)}"))
                    if not exc.refused:
                        failure = exc
                    continue
                if changed:
                    written.append(item)
                else:
                    summary.unchanged.append(item.out_path)
        if failure is None:
            batch.commit()
    except OutputError as exc:  # from the commit
        failure = exc
        summary.errors.append(FileError(str(exc.filename), f"not written: {_reason(exc)}"))
    except BaseException:
        batch.discard()
        raise
    if failure is not None:
        batch.discard()
        # All or none: the files that would have been written are errors too, O is as it was.
        summary.errors += [FileError(item.source, f"not written to {item.out_path}: the output folder was left as it "
                                                  f"was ({_reason(failure)})") for item in written]
        return
    summary.written += [item.out_path for item in written]


def report(summary: DirSummary, stream, quiet: bool = False) -> None:
    """Print errors, warnings, notes, pruned files and the counts, one per line; ``quiet``: errors,
    warnings and out-of-date files only (no notes, pruned files or counts)."""
    lines = [f"{PROG}: error: {e}" for e in summary.errors]
    lines += [f"{PROG}: warning: {w}" for w in summary.warnings]
    if quiet:
        if summary.checked:
            lines += [f"{PROG}: out of date: {p}" for p in summary.written + summary.pruned]
        if lines:
            stream.write("\n".join(lines) + "\n")
            stream.flush()
        return
    lines += [f"{PROG}: note: {n}" for n in summary.notes]
    if summary.checked:
        lines += [f"{PROG}: out of date: {p}" for p in summary.written]
        lines += [f"{PROG}: out of date: {p} (its template is gone; --prune deletes it)" for p in summary.pruned]
        drift = len(summary.written) + len(summary.pruned)
        lines.append(f"{PROG}: write-policy-dir --check: " + (
                     f"{drift} polic{'y' if drift == 1 else 'ies'} out of date "
                     "with their templates: run write-policy-dir without --check" if drift else
                     f"{len(summary.unchanged)} policies up to date"))
    else:
        lines += [f"{PROG}: pruned {p}" for p in summary.pruned]
        lines.append(f"{PROG}: write-policy-dir: {summary.line()}")
    stream.write("\n".join(lines) + "\n")
    stream.flush()


# --- folders and templates -------------------------------------------------------------------


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _check_folders(src: Path, out: Path, recursive: bool) -> Path:
    """The resolved input folder, once the two folders are known not to overlap dangerously."""
    if not src.is_dir():
        raise InputError(f"{src}: input folder not found" if not src.exists() else f"{src}: not a folder")
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: output path exists and is not a folder")
    blocker = next((p for p in out.parents if os.path.lexists(p) and not p.is_dir()), None)
    if blocker is not None:
        raise InputError(f"{out}: cannot create the output folder: {blocker} is not a folder")
    src_root, out_root = src.resolve(), out.resolve()
    if out_root == src_root:
        raise InputError(f"--output-dir {out} is the input folder: the policies (*.json) would be read as templates "
                         f"on the next run; use a separate folder")
    if recursive and _inside(out_root, src_root):
        raise InputError(f"--output-dir {out} is inside --input-dir {src}: with --recursive the policies would be read "
                         f"as templates on the next run; use a folder outside it")
    if recursive and _inside(src_root, out_root):
        raise InputError(f"--input-dir {src} is inside --output-dir {out}: with --recursive policies could overwrite, "
                         f"and --prune delete, templates; use separate folders")
    return src_root


def _find(root: Path, src: Path, out: Path, recursive: bool) -> tuple[list[_Item], list[str]]:
    """Templates below ``root``, sorted; hidden files and folders are skipped, as are
    symlinked folders (they could loop or lead anywhere), which are returned to be noted."""
    items, skipped = [], []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root).parts
        if recursive:
            skipped += [str(src.joinpath(*rel_dir, d)) for d in dirnames
                        if not d.startswith(".") and os.path.islink(os.path.join(dirpath, d))]
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        else:
            dirnames[:] = []
        for name in filenames:
            if name.startswith(".") or not name.lower().endswith(TEMPLATE_SUFFIXES):
                continue
            # a FIFO or device named like a template is read, and refused, by the input gate (it
            # checks before opening, so nothing hangs): reported like any bad template, never skipped
            rel = (*rel_dir, name)
            out_rel = (*rel_dir, name.rsplit(".", 1)[0] + OUTPUT_SUFFIX)
            items.append(_Item(rel, str(src.joinpath(*rel)), out_rel, str(out.joinpath(*out_rel))))
    items.sort(key=lambda i: i.rel)
    return items, sorted(skipped)


def _key(out_rel: tuple[str, ...]) -> tuple[str, ...]:
    # Case-folded: on macOS and Windows A.json and a.json are one file, so treat them as one everywhere.
    return tuple(part.casefold() for part in out_rel)


def _drop_collisions(items: list[_Item], summary: DirSummary) -> list[_Item]:
    groups: dict[tuple, list[_Item]] = {}
    for item in items:
        groups.setdefault(_key(item.out_rel), []).append(item)
    kept = []
    for group in groups.values():
        if len(group) == 1:
            kept.append(group[0])
            continue
        for item in group:
            others = ", ".join(o.source for o in group if o is not item)
            summary.errors.append(FileError(item.source, f"{others} would be written to the same file {item.out_path}; "
                                                         f"rename one of them"))
    return sorted(kept, key=lambda i: i.rel)


def _read(items: list[_Item], summary: DirSummary) -> list[_Item]:
    from policy_tf.core import safeload

    kept = []
    for item in items:
        try:
            # As template.load reads it (size limit, universal newlines): both give the same input.
            item.text = safeload.read_file(item.source, "template")
        except InputError as exc:
            summary.errors.append(FileError(item.source, _without_prefix(str(exc), item.source)))
            continue
        kept.append(item)
    return kept


# --- generating ------------------------------------------------------------------------------


def _workers(jobs: int, todo: int) -> int:
    if jobs == 0:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        jobs = min(cpus, max(1, todo // TEMPLATES_PER_WORKER))
    return max(1, min(jobs, todo))


def _generate_all(items: list[_Item], minimize: int | None, fit: str | None, workers: int):
    """(content, error, warnings, notes) per item, in order."""
    work = [(item.source, item.text, minimize, fit) for item in items]
    if workers == 1:
        return map(_generate, work)
    return _pooled(work, workers)


def _pooled(work: list, workers: int):
    from concurrent.futures import ProcessPoolExecutor

    # Big chunks: each task is a few milliseconds, so per-task messaging would dominate.
    chunk = max(1, len(work) // (workers * 4))
    with ProcessPoolExecutor(workers, initializer=_worker_start) as pool:
        yield from pool.map(_generate, work, chunksize=chunk)


def _worker_start() -> None:
    from policy_tf.iamdb import database

    # A forked worker must not share its parent's SQLite connection: open its own.
    database.reset()


def _generate(job: tuple) -> tuple[str | None, str | None, list[str], list[str]]:
    """What ``write-policy`` prints for one template, or the reason it failed. Runs in workers."""
    from policy_tf.writing import template as templates
    from policy_tf.writing.finish import generate
    from policy_tf.writing.render import dumps, render_policies

    source, text, minimize, fit = job
    try:
        results = [generate(t, minimize, fit) for t in templates.loads(text, source)]
        content = render_policies(results, "json", bool(fit), dumps)
    except PolicyTfError as exc:
        return None, str(exc), [], []
    except Exception as exc:  # noqa: BLE001 - one template's bug must not lose the other 999
        return None, f"internal error, please report it: {type(exc).__name__}: {exc}", [], []
    return content, None, [w for r in results for w in r.warnings], [n for r in results for n in r.notes]


def _progress(enabled: bool, total: int):
    from policy_tf.core.progress import bar

    return bar(total, "write-policy-dir", "templates", enabled=enabled)


def _without_prefix(message: str, source: str) -> str:
    return message[len(source) + 2:] if message.startswith(source + ": ") else message


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


def _check_outputs(todo: list[_Item], out_root: Path, summary: DirSummary, messages: dict, *,
                   minimize: int | None, fit: str | None, workers: int) -> None:
    """``--check``: each output that would change goes to ``summary.written``, the rest to
    ``unchanged``; read through the one writer's rules (no link followed), nothing written."""
    from policy_tf.core.atomic import Batch, OutputError

    batch = Batch(out_root, create=False) if os.path.isdir(out_root) else None
    try:
        for (content, error, warnings, notes), item in zip(_generate_all(todo, minimize, fit, workers), todo):
            if error is not None:
                summary.errors.append(FileError(item.source, _without_prefix(error, item.source)))
                continue
            messages[item.rel] = (warnings, notes)
            try:
                current = batch.read_bytes("/".join(item.out_rel)) if batch else None
            except OutputError as exc:
                summary.errors.append(FileError(item.source, f"cannot check {item.out_path}: {_reason(exc)}"))
                continue
            (summary.unchanged if current == content.encode("utf-8") else summary.written).append(item.out_path)
    finally:
        if batch is not None:
            batch.discard()


# --- pruning ---------------------------------------------------------------------------------


def _prune(root: Path, out: Path, recursive: bool, keep: set, summary: DirSummary, check: bool = False) -> None:
    """Delete outputs whose template is gone: regular ``*.json`` files holding a policy_tf policy."""
    for dirpath, dirnames, filenames in os.walk(root):  # followlinks=False: stay inside O
        rel_dir = Path(dirpath).relative_to(root).parts
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")) if recursive else []
        for name in sorted(filenames):
            if name.startswith(".") or not name.endswith(OUTPUT_SUFFIX) or _key((*rel_dir, name)) in keep:
                continue
            path = os.path.join(dirpath, name)
            shown = str(out.joinpath(*rel_dir, name))
            try:
                if not stat.S_ISREG(os.lstat(path).st_mode) or not _is_output(Path(path).read_bytes()):
                    continue  # a link or someone else's JSON: not ours to delete
                if not check:
                    os.unlink(path)
            except OSError as exc:
                summary.errors.append(FileError(shown, f"cannot prune: {_reason(exc)}"))
                continue
            summary.pruned.append(shown)


def _is_output(data: bytes) -> bool:
    """Could policy_tf have written this? A policy, a list of them (--fit), or name -> either (legacy)."""
    import json

    try:
        value = json.loads(data)
    except ValueError:
        return False

    def policy(v) -> bool:
        return isinstance(v, dict) and "Statement" in v and set(v) <= {"Version", "Id", "Statement"}

    def policies(v) -> bool:
        return policy(v) or (isinstance(v, list) and bool(v) and all(map(policy, v)))

    return policies(value) or (isinstance(value, dict) and bool(value) and all(map(policies, value.values())))
