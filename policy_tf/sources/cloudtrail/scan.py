"""Reading log files into ``Evidence``: in this process, or spread over worker processes.

A month of logs is thousands of files and the work per file is independent. With workers, a
run has two phases, both in the same processes:

1. each worker reads one contiguous run of the files and only counts distinct calls (a
   deferred ``Analyzer``), then hands them back split by principal, as plain rows;
2. each worker takes one principal part from every reader, counts equal calls together,
   analyses each distinct call once, and renders the templates of its principals.

So no call is analysed twice, each principal's evidence is built whole in one process (no
merge of large tables), and templates are rendered in parallel. The parent only passes
marshalled bytes along and gathers the parts (principals do not overlap).
"""
from __future__ import annotations

import os
import zlib
from typing import Any, Callable, Iterable, Iterator

from policy_tf.sources.cloudtrail.aggregate import Evidence
from policy_tf.sources.cloudtrail.evidence import Analyzer, Filters
from policy_tf.sources.cloudtrail.records import BadFile, LogFile, iter_files, source_for

FILES_PER_TASK = 16
PARALLEL_FROM = 48  # files; fewer are read before workers would have started

_WORKER: dict = {}


def _analyzer(filters: Filters, db_path: str | None) -> Analyzer:
    from policy_tf.iamdb.catalog import catalog
    from policy_tf.iamdb.database import Database
    from policy_tf.sources.cloudtrail import mapping
    from policy_tf.sources.cloudtrail.resources import ResourceFinder

    cat = catalog(Database(db_path) if db_path else None)
    table = mapping.load()
    return Analyzer(mapping.EventMapper(cat, table), ResourceFinder(cat, table.parameters), filters)


def _scan(source, analyzer: Analyzer, files: list[LogFile], done: Callable[[int], None] | None = None,
          offset: int = 0) -> list[BadFile]:
    from policy_tf.core.heap import no_cycle_collection

    with no_cycle_collection():
        return _scan_files(source, analyzer, files, done, offset)


def _scan_files(source, analyzer: Analyzer, files: list[LogFile], done: Callable[[int], None] | None,
                offset: int) -> list[BadFile]:
    bad: list[BadFile] = []
    order = {id(f): offset + i for i, f in enumerate(files)}
    for log, records in iter_files(source, files, bad):
        if isinstance(records, list):
            analyzer.add(records, log.name, order[id(log)])
        else:
            _add_streamed(analyzer, log, records, bad, order[id(log)])
        del records  # see iter_files: freed before the next file is read
        if done is not None:
            done(1)
    analyzer.flush()
    return bad


def _add_streamed(analyzer: Analyzer, log: LogFile, records, bad: list[BadFile], order: int = 0) -> None:
    """A streamed file's records count only if the whole file reads: a file is good or bad, never half."""
    from policy_tf.sources.cloudtrail.evidence import EMPTY

    if analyzer.deferred:  # a streamed file is all or nothing: its calls are analysed here, now
        analyzer.undefer()
    analyzer.flush()
    whole = analyzer.evidence
    analyzer.evidence = Evidence(keys=whole.keys)
    try:
        analyzer.add(records, log.name, order)
        analyzer.flush()
    except ValueError as exc:
        analyzer.discard()
        bad.append(BadFile(log.name, str(exc)))
    else:
        part = analyzer.evidence
        if records.empty:
            part.records += records.empty
            part.skipped[EMPTY] += records.empty
        whole.merge(part)
    finally:
        analyzer.evidence = whole


def workers_for(files: int) -> int:
    if files < PARALLEL_FROM:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cpus, files // FILES_PER_TASK))


def chunks(files: list, parts: int) -> list[list]:
    """``files`` in ``parts`` contiguous runs of (nearly) equal length, in order."""
    size, extra = divmod(len(files), parts)
    out, start = [], 0
    for i in range(parts):
        end = start + size + (1 if i < extra else 0)
        out.append(files[start:end])
        start = end
    return [c for c in out if c]


Rendered = Callable[[Evidence], tuple[dict, list]]


def scan(location: str, files: list[LogFile], filters: Filters, *, workers: int = 0, db_path: str | None = None,
         done: Callable[[int], None] | None = None,
         render: Rendered | None = None) -> tuple[Evidence, list[BadFile], tuple[dict, list] | None]:
    """(evidence, the files that could not be read (sorted by name), rendered).

    ``workers``: 0 picks one per CPU for large inputs, 1 reads in this process.
    ``render``: evidence -> (templates by principal, principals with nothing granted); with
    workers, each renders its own principals and ``rendered`` is the union (else None: render
    the evidence yourself).
    """
    from policy_tf.core.heap import keep_freed_memory

    keep_freed_memory()  # one file's buffers after another: reused, not faulted in afresh (forked workers too)
    workers = workers or workers_for(len(files))
    if workers == 1:
        analyzer = _analyzer(filters, db_path)
        bad = _scan(source_for(location), analyzer, files, done)
        return analyzer.result(), sorted(bad, key=lambda b: b.name), None
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    runs = chunks(files, workers)
    offsets = [sum(len(r) for r in runs[:i]) for i in range(len(runs))]
    manager = progress = None
    if done is not None:  # workers report each file read, for the progress bar
        import multiprocessing

        manager = multiprocessing.Manager()
        progress = manager.Queue()
    try:
        with ProcessPoolExecutor(len(runs), initializer=_worker_start, initargs=(location, filters, db_path)) as pool:
            futures = [pool.submit(_read_task, run, offset, len(runs), progress) for run, offset in zip(runs, offsets)]
            waiting = set(futures)
            while waiting:
                _finished, waiting = wait(waiting, timeout=0.2 if progress is not None else None,
                                          return_when=FIRST_COMPLETED)
                _drain(progress, done)
            read = [future.result() for future in futures]  # in file order
            parts = [pool.submit(_analyse_task, [r[1][j] for r in read if r[1] is not None], render)
                     for j in range(len(runs))]
            read = [(counts, None, part_bad, whole) for counts, _rows, part_bad, whole in read]  # sent: let go
            analysed = [future.result() for future in parts]
    finally:
        if manager is not None:
            manager.shutdown()
    from policy_tf.core.heap import no_cycle_collection

    with no_cycle_collection():  # rebuilding the parts' evidence: plain data, see core.heap
        return _gather(read, analysed, render)


def _gather(read: list, analysed: list, render: Rendered | None):
    """The parent's share: every part's evidence in one (principals do not overlap, except the
    evidence of a reader that had too many distinct calls to defer), and the templates."""

    evidence, bad = Evidence(), []
    overflow = False
    for counts, _rows, part_bad, whole in read:
        evidence.merge(Evidence.from_plain(_loads(counts)))
        bad += part_bad
        if whole is not None:
            overflow = True
            evidence.merge(Evidence.from_plain(_loads(whole)))
    templates: dict = {}
    nothing: list = []
    for plain, rendered in analysed:
        evidence.merge(Evidence.from_plain(_loads(plain)))
        if rendered is not None:
            templates.update(rendered[0])
            nothing += rendered[1]
    result = None
    if render is not None:
        # A reader's own evidence overlaps the others' principals: the templates come from the whole.
        result = render(evidence) if overflow else ({p: templates[p] for p in sorted(templates)}, sorted(nothing))
    return evidence, sorted(bad, key=lambda b: b.name), result


PACK_ROWS = 5_000  # rows marshalled at a time: the bytes of one batch are all that is held unpacked


PACK_ROWS = 5_000  # rows marshalled at a time: the bytes of one batch are all that is held unpacked


class _Packer:
    """One part's rows as bytes to hand to another process: marshalled a batch at a time (no
    per-object memo, unlike pickle; each batch framed by its length), and deflated as they go
    (the raw JSON they hold shrinks over 5x; ISA-L's fastest level where the fast extra has it),
    so that neither this process nor the parent, which passes them on, holds them whole."""

    def __init__(self) -> None:
        self.batch: list = []
        self.out: list = []
        try:
            from isal import isal_zlib

            self.deflate: Any = isal_zlib.compressobj(0)
        except ImportError:
            self.deflate = zlib.compressobj(1)

    def add(self, row: tuple) -> None:
        self.batch.append(row)
        if len(self.batch) >= PACK_ROWS:
            self._write()

    def _write(self) -> None:
        import marshal

        data = marshal.dumps(self.batch)
        self.batch = []
        self.out.append(self.deflate.compress(len(data).to_bytes(8, "little") + data))

    def bytes(self) -> bytes:
        if self.batch:
            self._write()
        self.out.append(self.deflate.flush())
        return b"".join(self.out)


def pack_parts(rows: Iterable[tuple[int, tuple]], parts: int) -> list[bytes]:
    """``(part, row)`` pairs (``Analyzer.export``) packed into one bytes string per part, in one pass."""
    packers = [_Packer() for _ in range(parts)]
    for part, row in rows:
        packers[part].add(row)
    return [p.bytes() for p in packers]


def pack(rows: Iterable[tuple]) -> bytes:
    """Rows of one part as bytes (see ``_Packer``)."""
    return pack_parts(((0, row) for row in rows), 1)[0]


def unpack(data: bytes) -> Iterator[tuple]:
    """The rows of ``pack``, one batch unmarshalled at a time (inflated by ISA-L where installed)."""
    try:
        from isal import isal_zlib

        inflate: Any = isal_zlib.decompressobj()
    except ImportError:
        inflate = zlib.decompressobj()
    buffer, at = b"", 0
    for start in range(0, len(data), 1 << 20):
        buffer = buffer[at:] + inflate.decompress(data[start:start + (1 << 20)])
        at = 0
        while len(buffer) - at >= 8:
            size = int.from_bytes(buffer[at:at + 8], "little")
            if len(buffer) - at < 8 + size:
                break
            yield from _loads(buffer[at + 8:at + 8 + size])
            at += 8 + size
    if buffer[at:] or inflate.flush():
        raise ValueError("a worker's rows ended mid-batch")


def _loads(data: bytes):
    """What a worker of this run marshalled (never bytes from a file or a user)."""
    import marshal

    return marshal.loads(data)  # noqa: S302 - our own workers' output, passed through the pool


def _drain(progress, done) -> None:
    if progress is None:
        return
    import queue

    read = 0
    while True:
        try:
            read += progress.get_nowait()
        except queue.Empty:
            break
    if read:
        done(read)


def _worker_start(location: str, filters: Filters, db_path: str | None) -> None:
    from policy_tf.iamdb import database

    # A forked worker must not share its parent's SQLite connection: open its own.
    database.reset()
    _WORKER["source"] = source_for(location)
    _WORKER["analyzer"] = _analyzer(filters, db_path)
    _WORKER["filters"] = filters


def _read_task(files: list[LogFile], offset: int, parts: int, progress=None) -> tuple:
    """Phase 1: (plain counters of the files, the distinct calls as marshalled rows per part or
    None, bad files, the evidence itself (marshalled) when there were too many calls to defer)."""
    import marshal

    shared = _WORKER["analyzer"]  # its mapper and finder, with their memos, serve every task
    analyzer = Analyzer(shared.mapper, shared.finder, _WORKER["filters"], deferred=True)
    bad = _scan(_WORKER["source"], analyzer, files, progress.put if progress is not None else None, offset)
    evidence = analyzer.evidence
    if analyzer.deferred:
        packed = pack_parts(analyzer.export(parts), parts)
        return marshal.dumps(evidence.plain()), packed, bad, None
    counts = Evidence(files=evidence.files, records=evidence.records)
    evidence.files = evidence.records = 0
    return marshal.dumps(counts.plain()), None, bad, marshal.dumps(evidence.plain())


def _analyse_task(rows: list[bytes], render: Rendered | None) -> tuple:
    """Phase 2: the evidence of one principal part (marshalled) and its templates."""
    import marshal

    from policy_tf.core.heap import no_cycle_collection

    shared = _WORKER["analyzer"]
    analyzer = Analyzer(shared.mapper, shared.finder, _WORKER["filters"])
    with no_cycle_collection():  # see core.heap: plain data only
        # The readers' parts in file order, so that the first place kept for a call is the
        # earliest; each unpacked only when its turn comes.
        analyzer.replay(unpack(part) for part in rows)
        evidence = analyzer.result()
        rendered = render(evidence) if render is not None else None
        return marshal.dumps(evidence.plain()), rendered
