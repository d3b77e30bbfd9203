"""Reading log files into ``Evidence``: in this process, or spread over worker processes.

A month of logs is thousands of files and the work per file is independent, so files are
handed out in tasks to one worker per CPU; each worker returns the evidence of its files
(counters of distinct keys, small next to the logs) and the parent merges it as it arrives.
"""
from __future__ import annotations

import os
from typing import Callable

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


def _scan(source, analyzer: Analyzer, files: list[LogFile], done: Callable[[int], None] | None = None) -> list[BadFile]:
    bad: list[BadFile] = []
    for log, records in iter_files(source, files, bad):
        if isinstance(records, list):
            analyzer.add(records, log.name)
        else:
            _add_streamed(analyzer, log, records, bad)
        if done is not None:
            done(1)
    analyzer.flush()
    return bad


def _add_streamed(analyzer: Analyzer, log: LogFile, records, bad: list[BadFile]) -> None:
    """A streamed file's records count only if the whole file reads: a file is good or bad, never half."""
    from policy_tf.sources.cloudtrail.evidence import EMPTY

    analyzer.flush()
    whole = analyzer.evidence
    analyzer.evidence = Evidence(keys=whole.keys)
    try:
        analyzer.add(records, log.name)
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


def scan(location: str, files: list[LogFile], filters: Filters, *, workers: int = 0, db_path: str | None = None,
         done: Callable[[int], None] | None = None) -> tuple[Evidence, list[BadFile]]:
    """Evidence from ``files`` and the files that could not be read (sorted by name).

    ``workers``: 0 picks one per CPU for large inputs, 1 reads in this process. Each worker
    reads one contiguous run of the files, so that a call repeated across files is analysed
    once per worker (the analyzer counts calls first and analyses each distinct one once).
    """
    workers = workers or workers_for(len(files))
    if workers == 1:
        analyzer = _analyzer(filters, db_path)
        bad = _scan(source_for(location), analyzer, files, done)
        return analyzer.result(), sorted(bad, key=lambda b: b.name)
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    evidence, bad = Evidence(), []
    runs = chunks(files, workers)
    manager = progress = None
    if done is not None:  # workers report each file read, for the progress bar
        import multiprocessing

        manager = multiprocessing.Manager()
        progress = manager.Queue()
    try:
        with ProcessPoolExecutor(len(runs), initializer=_worker_start, initargs=(location, filters, db_path)) as pool:
            futures = [pool.submit(_task, run, progress) for run in runs]
            waiting = set(futures)
            while waiting:
                _finished, waiting = wait(waiting, timeout=0.2 if progress is not None else None,
                                          return_when=FIRST_COMPLETED)
                _drain(progress, done)
            for future in futures:  # in file order: the first ill-shaped record named is the first one
                part, part_bad = future.result()
                evidence.merge(part)
                bad += part_bad
    finally:
        if manager is not None:
            manager.shutdown()
    return evidence, sorted(bad, key=lambda b: b.name)


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


def _task(files: list[LogFile], progress=None) -> tuple[Evidence, list[BadFile]]:
    analyzer = _WORKER["analyzer"]
    analyzer.evidence = Evidence()  # each task's evidence travels back alone; the memos stay
    bad = _scan(_WORKER["source"], analyzer, files, progress.put if progress is not None else None)
    return analyzer.result(), bad
