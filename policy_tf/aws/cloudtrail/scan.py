"""Reading log files into ``Evidence``: in this process, or spread over worker processes.

A month of logs is thousands of files and the work per file is independent, so files are
handed out in tasks to one worker per CPU; each worker returns the evidence of its files
(counters of distinct keys, small next to the logs) and the parent merges it as it arrives.
"""
from __future__ import annotations

import os
from typing import Callable

from policy_tf.aws.cloudtrail.aggregate import Evidence
from policy_tf.aws.cloudtrail.analyze import Analyzer, Filters
from policy_tf.aws.cloudtrail.records import BadFile, LogFile, iter_files, source_for

FILES_PER_TASK = 16
PARALLEL_FROM = 48  # files; fewer are read before workers would have started

_WORKER: dict = {}


def _analyzer(filters: Filters, db_path: str | None) -> Analyzer:
    from policy_tf.aws.cloudtrail import mapping
    from policy_tf.aws.cloudtrail.resources import ResourceFinder
    from policy_tf.iamdb.catalog import catalog
    from policy_tf.iamdb.database import Database

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
    return bad


def _add_streamed(analyzer: Analyzer, log: LogFile, records, bad: list[BadFile]) -> None:
    """A streamed file's records count only if the whole file reads: a file is good or bad, never half."""
    whole = analyzer.evidence
    analyzer.evidence = Evidence(keys=whole.keys)
    try:
        analyzer.add(records, log.name)
    except ValueError as exc:
        bad.append(BadFile(log.name, str(exc)))
    else:
        part = analyzer.evidence
        if records.empty:
            part.records += records.empty
            part.skipped["empty record ({})"] += records.empty
        whole.merge(part)
    finally:
        analyzer.evidence = whole


def workers_for(files: int) -> int:
    if files < PARALLEL_FROM:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cpus, files // FILES_PER_TASK))


def scan(location: str, files: list[LogFile], filters: Filters, *, workers: int = 0, db_path: str | None = None,
         done: Callable[[int], None] | None = None) -> tuple[Evidence, list[BadFile]]:
    """Evidence from ``files`` and the files that could not be read (sorted by name).

    ``workers``: 0 picks one per CPU for large inputs, 1 reads in this process.
    """
    workers = workers or workers_for(len(files))
    if workers == 1:
        analyzer = _analyzer(filters, db_path)
        bad = _scan(source_for(location), analyzer, files, done)
        return analyzer.evidence, sorted(bad, key=lambda b: b.name)
    from concurrent.futures import ProcessPoolExecutor

    evidence, bad = Evidence(), []
    tasks = [files[i:i + FILES_PER_TASK] for i in range(0, len(files), FILES_PER_TASK)]
    with ProcessPoolExecutor(workers, initializer=_worker_start, initargs=(location, filters, db_path)) as pool:
        # map hands results over in order and lets go of each once taken: parts never pile up.
        for task, (part, part_bad) in zip(tasks, pool.map(_task, tasks)):
            evidence.merge(part)
            bad += part_bad
            if done is not None:
                done(len(task))
    return evidence, sorted(bad, key=lambda b: b.name)


def _worker_start(location: str, filters: Filters, db_path: str | None) -> None:
    from policy_tf.iamdb import database

    # A forked worker must not share its parent's SQLite connection: open its own.
    database.reset()
    _WORKER["source"] = source_for(location)
    _WORKER["analyzer"] = _analyzer(filters, db_path)


def _task(files: list[LogFile]) -> tuple[Evidence, list[BadFile]]:
    analyzer = _WORKER["analyzer"]
    analyzer.evidence = Evidence()  # each task's evidence travels back alone; the memos stay
    bad = _scan(_WORKER["source"], analyzer, files)
    return analyzer.evidence, bad
