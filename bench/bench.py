#!/usr/bin/env python3
"""Cold-start benchmark: policy_tf against its peers (policy_sentry, ...), side by side (``make bench``).

Stdlib only. Every timed run is a fresh process (Terraform starts policy_tf anew on every plan),
the two tools alternate round by round so that background load hits both alike, and each case
reports the median wall time, the child's peak memory (max RSS from ``os.wait4``), the ratio
policy_sentry / policy_tf, its bar and PASS/FAIL. Exit status 1 when a bar fails or a command errors.

Each peer tool (policy_sentry by default; a Case names another with ``peer=``, registered with
``register_peer``) is installed from PyPI into its own bench/.cache/<peer>-venv once (same
interpreter as this one) and reused. Cases live in the CASES table below and in bench/cases/;
bench/README.md explains how to add one.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence, Union

BENCH = Path(__file__).resolve().parent
sys.modules.setdefault("bench", sys.modules[__name__])  # bench/cases/*.py import this very module
REPO = BENCH.parent
CACHE = BENCH / ".cache"
SENTRY_VERSION = "0.15.2"
SENTRY_VENV = CACHE / "sentry-venv"
TF_VENV = CACHE / "tf-venv"
CHILD_HOME = CACHE / "home"  # an empty $HOME for the children: no ~/.policy_tf or ~/.policy_sentry leaks in
DEFAULT_DOCS = REPO.parent / "shared" / "aws-docs"

# --- how a case names things -------------------------------------------------------------------
# Sentinels, used as whole argv items:
TOOL = "<TOOL>"      # the tool's console script (policy_tf / policy_sentry of its venv)
PYTHON = "<PYTHON>"  # the python of the tool's venv, e.g. [PYTHON, "-c", code]
SAME = "<SAME>"      # as Case.sentry: run policy_sentry with the same command as policy_tf
# Placeholders, replaced anywhere inside argv items, stdin_file, env values and cwd:
#   {tmp}    a fresh empty directory for each run (deleted afterwards)
#   {docs}   the AWS documentation folder (--docs-dir; default ../shared/aws-docs)
#   {repo}   the policy_tf checkout;  {bench}  this folder;  {inputs}  bench/inputs


@dataclass(frozen=True)
class Cmd:
    """One side of a case when a plain argv list is not enough."""

    argv: Sequence[str]
    stdin: Union[str, bytes, None] = None  # literal input, fed from a file (no pipe dead-locks)
    stdin_file: Optional[str] = None       # or a file to read stdin from (placeholders allowed)
    env: dict = field(default_factory=dict)  # extra environment (placeholders allowed in values)
    cwd: Optional[str] = None              # working directory (default: a per-run temp dir)


# --- bars ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Faster:
    """policy_tf's median is at least `times` x faster than policy_sentry's."""

    times: float

    def __str__(self) -> str:
        return f">= {self.times:g}x faster"

    def check(self, tf: "Side", ps: "Optional[Side]") -> Optional[bool]:
        if ps is None or not ps.samples:
            return None  # nothing to compare with
        return ps.median / tf.median >= self.times


@dataclass(frozen=True)
class Under:
    """policy_tf's median wall time is under `seconds`."""

    seconds: float

    def __str__(self) -> str:
        return f"< {self.seconds:g} s"

    def check(self, tf: "Side", ps: "Optional[Side]") -> Optional[bool]:
        return tf.median < self.seconds


@dataclass(frozen=True)
class MaxMemory:
    """policy_tf's peak RSS (max over runs) is under `mib` MiB: of its largest process, or with
    ``tree``, of all its processes together (PSS summed over the process tree, sampled every
    20 ms in one extra, untimed run: what a container's memory limit sees of a run with workers)."""

    mib: float
    tree: bool = False

    def __str__(self) -> str:
        return f"{'all processes' if self.tree else 'RSS'} < {self.mib:g} MiB"

    def check(self, tf: "Side", ps: "Optional[Side]") -> Optional[bool]:
        return (tf.max_tree_mib if self.tree else tf.max_rss_mib) < self.mib


Bar = Union[Faster, Under, MaxMemory]
Command = Union[Sequence[str], Cmd]


@dataclass(frozen=True)
class Case:
    name: str
    tf: Command
    sentry: Union[Command, str, None] = None  # the peer's command, SAME, or None (policy_tf alone)
    bar: Union[Bar, Sequence[Bar], None] = None  # all must hold; None = informational
    max_rounds: Optional[int] = None    # cap on --rounds for slow cases
    warmup: bool = True                 # one untimed run per tool first (also checks output)
    expect_output: bool = True          # the warm-up run must print something on stdout
    requires: Sequence[str] = ()        # paths (placeholders allowed) that must exist, else SKIP
    prepare: Optional[Callable[[Path, "Context"], None]] = None  # untimed, per run, gets {tmp}
    timeout: float = 300.0              # seconds per run
    note: str = ""                      # printed under the table
    peer: str = "policy_sentry"         # which peer tool runs the `sentry` command (see PEERS)

    @property
    def bars(self) -> tuple:
        if self.bar is None:
            return ()
        return tuple(self.bar) if isinstance(self.bar, (list, tuple)) else (self.bar,)


def _link_docs_as_sentry_html(tmp: Path, ctx: "Context") -> None:
    """policy_sentry's `initialize --build` parses $HOME/.policy_sentry/data/docs/*.html."""
    data = tmp / ".policy_sentry" / "data"
    data.mkdir(parents=True)
    (data / "docs").symlink_to(ctx.docs.resolve(), target_is_directory=True)


# --- the cases -----------------------------------------------------------------------------------
def _templates_dir(tmp: Path, ctx: "Context") -> None:
    """1,000 crud templates (distinct names) in {tmp}/in, untimed."""
    src = tmp / "in"
    src.mkdir()
    for i in range(1000):
        (src / f"t{i:04d}.yml").write_text(
            f"mode: crud\nname: T{i}\nread:\n  - arn:aws:s3:::bucket-{i}/*\n"
            f"write:\n  - arn:aws:sqs:eu-west-1:123456789012:queue-{i}\n"
            f"  - arn:aws:dynamodb:eu-west-1:123456789012:table/table-{i}\n"
            f"list:\n  - arn:aws:s3:::bucket-{i}\n")


def _templates_dir_written(tmp: Path, ctx: "Context") -> None:
    """As _templates_dir, plus one untimed write-policy-dir run so the timed run changes nothing."""
    _templates_dir(tmp, ctx)
    subprocess.run([*ctx.tf.cli, "write-policy-dir", "--input-dir", str(tmp / "in"), "--output-dir", str(tmp / "out")],
                   check=True, capture_output=True)



# 1,000 small crud templates (distinct bucket, queue and table names) through each library.
_TEMPLATES = (
    "templates = [{'mode': 'crud', 'name': f'T{i}', 'read': [f'arn:aws:s3:::bucket-{i}/*'],\n"
    "              'write': [f'arn:aws:sqs:eu-west-1:123456789012:queue-{i}',\n"
    "                        f'arn:aws:dynamodb:eu-west-1:123456789012:table/table-{i}'],\n"
    "              'list': [f'arn:aws:s3:::bucket-{i}']} for i in range(1000)]\n"
)
TF_LIBRARY = (
    "from policy_tf.writing.pipeline import write_policy\n" + _TEMPLATES +
    "for t in templates:\n    write_policy(t)\n"
)
SENTRY_LIBRARY = (
    "from policy_sentry.command.write_policy import write_policy_with_template\n" + _TEMPLATES +
    "for t in templates:\n    write_policy_with_template(t)\n"
)

# The floor comes first: what a bare interpreter start costs in each venv.
CASES: list[Case] = [
    Case("floor: python -c pass", [PYTHON, "-c", "pass"], SAME, expect_output=False,
         note="a bare interpreter start in each venv"),
    Case("query action-table s3",
         [TOOL, "query", "action-table", "--service", "s3"], SAME, bar=Faster(12)),
    Case("query action-table s3 GetObject",
         [TOOL, "query", "action-table", "--service", "s3", "--name", "GetObject"],
         [TOOL, "query", "action-table", "--service", "s3", "--name", "getobject"], bar=Faster(12)),
    Case("query action-table all read json",
         [TOOL, "query", "action-table", "--service", "all", "--access-level", "read", "--fmt", "json"], SAME,
         bar=Faster(12),
         note="policy_sentry prints action lists one name per line even with --fmt json (and a heading for "
              "--service all)"),
    Case("write-policy crud template",
         [TOOL, "write-policy", "--input-file", "{inputs}/crud.yml"], SAME, bar=Faster(10)),
    Case("library: 1,000 templates in one process", [PYTHON, "-c", TF_LIBRARY], [PYTHON, "-c", SENTRY_LIBRARY],
         bar=Faster(20), max_rounds=3, expect_output=False,
         note="each tool's own library API, 1,000 crud templates with distinct ARNs in one process"),
    Case("terraform-external (data \"external\") vs write-policy --fmt terraform",
         Cmd([TOOL, "terraform-external"], stdin_file="{inputs}/terraform-query.json"),
         [TOOL, "write-policy", "--input-file", "{inputs}/crud.yml", "--fmt", "terraform"], bar=Faster(12),
         note="the query holds the same template as crud.yml, JSON-encoded as the policy module sends it"),
    Case("write-policy-dir: 1,000 templates",
         [TOOL, "write-policy-dir", "--input-dir", "{tmp}/in", "--output-dir", "{tmp}/out"],
         None, bar=Under(5), max_rounds=3, warmup=False, expect_output=False, prepare=_templates_dir),
    Case("write-policy-dir: unchanged re-run of 1,000",
         [TOOL, "write-policy-dir", "--input-dir", "{tmp}/in", "--output-dir", "{tmp}/out"],
         None, bar=Under(1), max_rounds=3, warmup=False, expect_output=False, prepare=_templates_dir_written),
    Case("db build (aws-docs -> sqlite)",
         [TOOL, "db", "build", "--docs-dir", "{docs}", "--output", "{tmp}/iam.sqlite3", "--allow-loss"],
         None, bar=Under(30), max_rounds=3, warmup=False, requires=("{docs}",), timeout=600),
]
# Opt-in cases: run only when --only selects them (too slow for the default run).
EXTRA_CASES: list[Case] = [
    # policy_sentry rebuilds its datastore offline from the same HTML pages (~45 s a run here).
    Case("db build vs policy_sentry initialize --build",
         [TOOL, "db", "build", "--docs-dir", "{docs}", "--output", "{tmp}/iam.sqlite3", "--allow-loss"],
         Cmd([TOOL, "initialize", "--build"], env={"HOME": "{tmp}"}),
         max_rounds=1, warmup=False, requires=("{docs}",), prepare=_link_docs_as_sentry_html, timeout=900,
         note="policy_sentry rebuilds iam-definition.json from $HOME/.policy_sentry/data/docs (linked to --docs-dir)"),
]


def _load_case_modules() -> None:
    """Cases of each topic live in bench/cases/<topic>.py (CASES, and optionally EXTRA_CASES)."""
    import importlib.util

    for path in sorted((BENCH / "cases").glob("*.py")):
        if path.name.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location(f"bench_cases_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        CASES.extend(getattr(module, "CASES", []))
        EXTRA_CASES.extend(getattr(module, "EXTRA_CASES", []))


# --- tools ---------------------------------------------------------------------------------------


@dataclass
class Tool:
    name: str
    cli: list  # argv prefix that starts the tool
    python: Path


@dataclass
class Context:
    docs: Path
    tf: Tool
    peers: dict = field(default_factory=dict)  # peer name -> Tool, or None when it could not be installed

    @property
    def sentry(self) -> Optional[Tool]:
        return self.peers.get("policy_sentry")


@dataclass(frozen=True)
class Peer:
    """A tool policy_tf is compared with, installed from PyPI into bench/.cache/<venv>."""

    name: str     # as shown in the table
    dist: str     # the PyPI distribution
    version: str  # pinned, for comparable numbers
    script: str   # its console script
    venv: str     # folder under bench/.cache
    note: str = ""  # printed on its status line

    @property
    def path(self) -> Path:
        return CACHE / self.venv


PEERS: dict = {}


def register_peer(peer: Peer) -> Peer:
    PEERS[peer.name] = peer
    return peer


register_peer(Peer("policy_sentry", "policy_sentry", SENTRY_VERSION, "policy_sentry", SENTRY_VENV.name,
                   "bundled datastore, no initialize needed"))


def _policy_tf_tool() -> Tool:
    """policy_tf installed as users get it (a plain `pip install .`, not the dev venv's editable
    install, whose import hook alone costs ~13 ms of start-up), refreshed from the working tree."""
    python = TF_VENV / "bin" / "python"
    steps = []
    if not python.exists():
        steps.append([sys.executable, "-m", "venv", str(TF_VENV)])
        steps.append([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"{REPO}[all]"])
    else:
        steps.append([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                      "--no-deps", "--force-reinstall", str(REPO)])
        # Every extra (the cases use them all: the fast readers, `db build`, from-code's botocore
        # models, .tf audits), for venvs made before a module joined one. Extras are imported
        # only by the commands that need them, so start-up is the same without them.
        steps.append([str(python), "-c", "import importlib.util as u, subprocess, sys; "
                      "wanted = {'msgspec': 'msgspec>=0.18', 'isal': 'isal>=1.6.1', 'orjson': 'orjson>=3.9', "
                      "'boto3': 'boto3>=1.26', 'bs4': 'beautifulsoup4>=4.12', 'lxml': 'lxml>=4.9.3', "
                      "'requests': 'requests>=2.28', 'hcl2': 'python-hcl2>=7.3.1'}; "
                      "missing = [r for m, r in wanted.items() if not u.find_spec(m)]; "
                      "missing and subprocess.check_call([sys.executable, '-m', 'pip', 'install', "
                      "'--quiet', '--disable-pip-version-check', *missing])"])
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise SystemExit(f"cannot install policy_tf into {TF_VENV}: {(done.stderr or done.stdout).strip()[-800:]}")
    return Tool("policy_tf", [str(TF_VENV / "bin" / "policy_tf")], python)


def _base_python() -> Path:
    return Path(getattr(sys, "_base_executable", sys.executable)).resolve()


def _peer_problem(peer: Peer) -> Optional[str]:
    """Why the cached venv of ``peer`` can't be used as it is (None when it can)."""
    python = peer.path / "bin" / "python"
    if not python.exists():
        return "not installed yet"
    if python.resolve() != _base_python():
        return f"made with another interpreter ({python.resolve()}, not {_base_python()})"
    probe = subprocess.run(
        [str(python), "-c", f"import importlib.metadata as m; print(m.version({peer.dist!r}))"],
        capture_output=True, text=True,
    )
    version = probe.stdout.strip()
    if probe.returncode != 0 or version != peer.version:
        return f"has {peer.dist} {version or 'missing'}, want {peer.version}"
    if not (peer.path / "bin" / peer.script).is_file():
        return f"has no {peer.script} console script"
    return None


def ensure_peer(peer: Peer, reinstall: bool) -> tuple[Optional[Tool], str]:
    """Install ``peer`` (pinned) into its own venv once; (tool or None, status line)."""
    venv = peer.path
    problem = "reinstall requested" if reinstall else _peer_problem(peer)
    if problem:
        print(f"{peer.name} venv {problem}: installing {peer.dist}=={peer.version} into "
              f"{venv.relative_to(REPO)} (once; needs PyPI) ...", flush=True)
        shutil.rmtree(venv, ignore_errors=True)
        CACHE.mkdir(parents=True, exist_ok=True)
        steps = [
            [sys.executable, "-m", "venv", str(venv)],
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             f"{peer.dist}=={peer.version}"],
        ]
        for step in steps:
            try:
                done = subprocess.run(step, capture_output=True, text=True, timeout=900)
            except subprocess.TimeoutExpired:
                done = subprocess.CompletedProcess(step, 1, "", "timed out after 900 s")
            if done.returncode != 0:
                lines = [ln for ln in (done.stderr or done.stdout).strip().splitlines()
                         if not ln.startswith("WARNING: Location")]  # pip's noise about absent local indexes
                tail = "\n".join(lines[-6:])
                shutil.rmtree(venv, ignore_errors=True)
                return None, (f"{peer.dist} {peer.version} could NOT be installed (is PyPI reachable?); "
                              f"timing policy_tf alone.\n  {' '.join(step[:4])} ... failed:\n  "
                              + tail.replace("\n", "\n  "))
        problem = _peer_problem(peer)
        if problem:
            return None, f"{peer.name} install looks broken ({problem}); timing policy_tf alone"
    # policy_sentry 0.15.2 needs no initialisation: it ships its IAM datastore (data/iam-definition.json)
    # in the package and reads it at import time; `initialize` would only copy it to ~/.policy_sentry
    # (children get an empty $HOME, so the bundled file is what is measured).
    tool = Tool(peer.name, [str(venv / "bin" / peer.script)], venv / "bin" / "python")
    return tool, f"{peer.dist} {peer.version} ({venv.relative_to(REPO)}" + (f"; {peer.note})" if peer.note else ")")


# --- running -------------------------------------------------------------------------------------


@dataclass
class Side:
    tool: str
    argv: list = field(default_factory=list)
    samples: list = field(default_factory=list)  # wall seconds
    rss_kib: list = field(default_factory=list)  # max RSS per run
    tree_kib: list = field(default_factory=list)  # peak PSS of the whole process tree (an untimed, sampled run)
    error: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def max_rss_mib(self) -> float:
        return max(self.rss_kib) / 1024

    @property
    def max_tree_mib(self) -> float:
            return max(self.tree_kib) / 1024 if self.tree_kib else float("inf")  # not measured: not under any bar

    def to_json(self) -> dict:
        out = {"tool": self.tool, "argv": self.argv, "samples_s": [round(s, 6) for s in self.samples],
               "max_rss_kib": self.rss_kib, "tree_pss_kib": self.tree_kib, "error": self.error or None}
        if self.samples:
            out.update(median_s=round(self.median, 6), min_s=round(min(self.samples), 6),
                       max_s=round(max(self.samples), 6), peak_rss_mib=round(self.max_rss_mib, 1))
        return out


def _subst(text: str, values: dict) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def _child_env() -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "POLICY_TF_", "VIRTUAL_ENV", "CUSTOM_ACCESS_OVERRIDES_FILE"))}
    env["HOME"] = str(CHILD_HOME)
    return env


BASE_ENV: dict = {}


@dataclass
class RunResult:
    returncode: int
    wall: float
    rss_kib: int
    stdout: bytes
    stderr: bytes
    tree_kib: int = 0  # peak PSS of the process tree (0: the run ended before the first sample)


# Why a launcher: a child forked from this (bigger) bench process carries the bench's own memory
# high-water mark into its ru_maxrss across exec (Linux records the pre-exec mm's peak), so every
# reading would be at least the bench's RSS. The bench therefore starts this small launcher
# (python -I -S, untimed), which resets its peak, forks, execs the command, times it from fork to
# reaping and reports os.wait4()'s ru_maxrss of that grandchild alone.
LAUNCHER = r"""
import os, signal, sys, time
out, timeout, sample, argv = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
pid = 0
def _kill(*_):
    if pid:
        os.kill(pid, signal.SIGKILL)
signal.signal(signal.SIGALRM, _kill)
signal.setitimer(signal.ITIMER_REAL, timeout)
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    try:
        os.execv(argv[0], argv)
    except OSError as exc:
        os.write(2, ("bench launcher: cannot run %s: %s\n" % (argv[0], exc)).encode())
    os._exit(127)
def _tree(root):
    found, todo = [], [root]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for task in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/children" % (p, task)) as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return found
def _pss(p):
    try:
        with open("/proc/%d/smaps_rollup" % p) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0
tree = 0
while True:  # with sample > 0, the process tree's total PSS, sampled while it runs (workers included)
    done, status, usage = os.wait4(pid, os.WNOHANG if sample else 0)
    if done:
        break
    tree = max(tree, sum(_pss(p) for p in _tree(pid)))
    time.sleep(sample)
wall = time.perf_counter() - t0
signal.setitimer(signal.ITIMER_REAL, 0)
with open(out, "w") as f:
    f.write("%d %r %d %d" % (os.waitstatus_to_exitcode(status), wall, usage.ru_maxrss, tree))
"""


def run_once(cmd: Cmd, tool: Tool, ctx: Context, case: Case, capture: bool, sample: float = 0) -> RunResult:
    """One fresh run; ``sample`` > 0: also the process tree's peak PSS, read every ``sample`` seconds."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    fd, name = tempfile.mkstemp(prefix="bench-run-")
    os.close(fd)
    report = Path(name)
    try:
        values = {"tmp": str(tmp), "docs": str(ctx.docs), "repo": str(REPO), "bench": str(BENCH),
                  "inputs": str(BENCH / "inputs")}
        argv: list = []
        for item in cmd.argv:
            if item == TOOL:
                argv.extend(tool.cli)
            elif item == PYTHON:
                argv.append(str(tool.python))
            else:
                argv.append(_subst(item, values))
        env = dict(BASE_ENV)
        env.update({k: _subst(v, values) for k, v in cmd.env.items()})
        cwd = _subst(cmd.cwd, values) if cmd.cwd else str(tmp)
        stdin_path = os.devnull
        if cmd.stdin is not None:
            stdin_path = str(report) + ".stdin"
            Path(stdin_path).write_bytes(cmd.stdin.encode() if isinstance(cmd.stdin, str) else cmd.stdin)
        elif cmd.stdin_file:
            stdin_path = _subst(cmd.stdin_file, values)
        if case.prepare:
            case.prepare(tmp, ctx)
        launcher = [sys.executable, "-I", "-S", "-c", LAUNCHER, str(report), str(case.timeout), str(sample)] + argv
        with open(stdin_path, "rb") as fin, tempfile.TemporaryFile() as ferr, \
                (tempfile.TemporaryFile() if capture else open(os.devnull, "wb")) as fout:
            proc = subprocess.Popen(launcher, stdin=fin, stdout=fout, stderr=ferr, env=env, cwd=cwd)
            try:
                proc.wait(timeout=case.timeout + 60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            ferr.seek(0)
            err = ferr.read()
            out = b""
            if capture:
                fout.seek(0)
                out = fout.read()
        fields = report.read_text().split()
        if proc.returncode != 0 or len(fields) != 4:
            return RunResult(proc.returncode or 1, 0.0, 0, out, err + b"\n(bench launcher failed)")
        return RunResult(int(fields[0]), float(fields[1]), int(fields[2]), out, err, int(fields[3]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        for leftover in (report, Path(str(report) + ".stdin")):
            leftover.unlink(missing_ok=True)


def _as_cmd(command: Command) -> Cmd:
    return command if isinstance(command, Cmd) else Cmd(list(command))


def _describe(cmd: Cmd, tool: Tool) -> list:
    return [" ".join(tool.cli) if a == TOOL else str(tool.python) if a == PYTHON else a for a in cmd.argv]


def _failure(res: RunResult, tool: Tool) -> str:
    lines = res.stderr.decode(errors="replace").strip().splitlines()[-5:]
    how = f"was killed by signal {-res.returncode} (timeout?)" if res.returncode < 0 else f"exited {res.returncode}"
    return f"{tool.name} {how}" + ("".join("\n      " + line for line in lines) if lines else "")


def _progress(text: str) -> None:
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K" + text)
        sys.stderr.flush()


def run_case(case: Case, ctx: Context, rounds: int) -> dict:
    values = {"docs": str(ctx.docs), "repo": str(REPO), "bench": str(BENCH), "inputs": str(BENCH / "inputs")}
    missing = [p for p in (_subst(r, values) for r in case.requires) if not Path(p).exists()]
    if missing:
        return {"name": case.name, "status": "SKIP", "reason": f"{', '.join(missing)} is absent", "rounds": 0}
    sides: list = [(ctx.tf, _as_cmd(case.tf), Side("policy_tf"))]
    sentry_note = ""
    if case.sentry is not None:
        peer = ctx.peers.get(case.peer)
        if peer is None:
            sentry_note = f"{case.peer} unavailable"
        else:
            sentry_cmd = _as_cmd(case.tf) if case.sentry == SAME else _as_cmd(case.sentry)
            sides.append((peer, sentry_cmd, Side(case.peer)))
    for tool, cmd, side in sides:
        side.argv = _describe(cmd, tool)
    n = min(rounds, case.max_rounds) if case.max_rounds else rounds

    if case.warmup:
        for tool, cmd, side in sides:
            _progress(f"{case.name}: warm-up {tool.name}")
            res = run_once(cmd, tool, ctx, case, capture=True)
            if res.returncode != 0:
                side.error = _failure(res, tool)
            elif case.expect_output and not res.stdout.strip():
                side.error = f"{tool.name} printed nothing on stdout"
    if any(isinstance(b, MaxMemory) and b.tree for b in case.bars):
        # The process tree's memory, in one untimed run of its own: sampling it costs the child
        # time (reading smaps_rollup walks each process's page tables; every 20 ms it cost a 3 s
        # run 0.5 s), so the timed runs are left alone.
        tool, cmd, side = sides[0]
        _progress(f"{case.name}: memory of all processes, {tool.name}")
        res = run_once(cmd, tool, ctx, case, capture=False, sample=0.02)
        if res.returncode != 0:
            side.error = _failure(res, tool)
        else:
            side.tree_kib.append(res.tree_kib or res.rss_kib)
    for i in range(n):
        for tool, cmd, side in sides:  # alternating: A B A B ...
            if side.error:
                continue
            _progress(f"{case.name}: round {i + 1}/{n} {tool.name}")
            res = run_once(cmd, tool, ctx, case, capture=False)
            if res.returncode != 0:
                side.error = _failure(res, tool)
                continue
            side.samples.append(res.wall)
            side.rss_kib.append(res.rss_kib)
    _progress("")

    tf = sides[0][2]
    ps = sides[1][2] if len(sides) > 1 else None
    result = {"name": case.name, "rounds": n, "bar": " and ".join(map(str, case.bars)) or None, "peer": case.peer,
              "tools": {s.tool: s.to_json() for _, _, s in sides}, "note": sentry_note or None}
    errors = [s.error for _, _, s in sides if s.error]
    if errors:
        result.update(status="ERROR", reason="; ".join(errors))
        return result
    if ps is not None:
        result["ratio"] = round(ps.median / tf.median, 3)
    verdicts = [bar.check(tf, ps) for bar in case.bars]
    if not case.bars:
        result["status"] = "info"
    elif any(v is False for v in verdicts):
        result["status"] = "FAIL"
    elif any(v is None for v in verdicts):
        result["status"] = "n/a"  # e.g. a ratio bar without its peer
    else:
        result["status"] = "PASS"
    return result


# --- output --------------------------------------------------------------------------------------


def _fmt_time(seconds: Optional[float]) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _fmt_mib(mib: Optional[float]) -> str:
    return "-" if mib is None else f"{mib:.0f} MiB"


def print_table(results: list) -> None:
    header = ["case", "n", "policy_tf", "peak RSS", "peer", "time", "peak RSS", "ratio", "bar", "result"]
    rows = []
    for r in results:
        tf = r.get("tools", {}).get("policy_tf", {})
        peer = r.get("peer") or "policy_sentry"
        ps = r.get("tools", {}).get(peer, {})
        ratio = r.get("ratio")
        rows.append([
            r["name"], str(r.get("rounds", 0)),
            _fmt_time(tf.get("median_s")), _fmt_mib(tf.get("peak_rss_mib")), peer if ps or r.get("note") else "-",
            _fmt_time(ps.get("median_s")) if ps else ("n/a" if r.get("note") else "-"),
            _fmt_mib(ps.get("peak_rss_mib")) if ps else "-",
            f"{ratio:.1f}x" if ratio is not None else "-",
            r.get("bar") or "-", r["status"],
        ])
    right = {1, 2, 3, 5, 6, 7}
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]

    def line(cells: list) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    print(line(header))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description="Cold-start benchmark: policy_tf vs its peers, policy_sentry "
                                                 f"{SENTRY_VERSION} first (see bench/README.md)")
    parser.add_argument("--rounds", type=int, default=10,
                        help="timed runs per tool and case (default 10; slow cases cap it)")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="run only cases whose name contains NAME (case-insensitive; repeatable). "
                             "Also reaches opt-in cases.")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    parser.add_argument("--docs-dir", default=os.environ.get("POLICY_TF_DOCS_DIR") or str(DEFAULT_DOCS),
                        help="AWS documentation folder for the build case (default: $POLICY_TF_DOCS_DIR or "
                             "../shared/aws-docs)")
    parser.add_argument("--no-sentry", "--no-peers", dest="no_sentry", action="store_true",
                        help="time policy_tf alone (no peer installs, no comparison)")
    parser.add_argument("--reinstall-sentry", "--reinstall-peers", dest="reinstall_sentry", action="store_true",
                        help="recreate the peers' venvs (bench/.cache/<peer>-venv) first")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args(argv)
    _load_case_modules()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    if args.list:
        for case in CASES + EXTRA_CASES:
            opt = "  (opt-in)" if case in EXTRA_CASES else ""
            print(f"{case.name}{opt}")
        return 0
    if args.only:
        wanted = [w.lower() for w in args.only]
        cases = [c for c in CASES + EXTRA_CASES if any(w in c.name.lower() for w in wanted)]
        if not cases:
            print(f"no case matches {args.only}; cases: " + ", ".join(c.name for c in CASES + EXTRA_CASES),
                  file=sys.stderr)
            return 2
    else:
        cases = list(CASES)

    shutil.rmtree(CHILD_HOME, ignore_errors=True)
    CHILD_HOME.mkdir(parents=True)
    BASE_ENV.clear()
    BASE_ENV.update(_child_env())

    tf = _policy_tf_tool()
    used = sorted({c.peer for c in cases if c.sentry is not None}, key=lambda name: (name != "policy_sentry", name))
    statuses = {}
    ctx = Context(docs=Path(args.docs_dir), tf=tf)
    for name in used or ["policy_sentry"]:
        if args.no_sentry or not used:
            statuses[name] = "not used" + (" (--no-sentry)" if args.no_sentry else "")
            continue
        if name not in PEERS:
            print(f"a case names the unknown peer {name!r}; known: {', '.join(PEERS)}", file=sys.stderr)
            return 2
        ctx.peers[name], statuses[name] = ensure_peer(PEERS[name], args.reinstall_sentry)
    sentry = ctx.sentry

    load_before = os.getloadavg()
    width = max(len("policy_tf"), *(len(n) for n in statuses)) + 1
    print(f"{'policy_tf:'.ljust(width + 1)}{' '.join(tf.cli)}")
    for name, status in statuses.items():
        print(f"{(name + ':').ljust(width + 1)}{status}")
    print(f"python {platform.python_version()} ({_base_python()}), {os.cpu_count()} cores, "
          f"load average {load_before[0]:.2f}; {args.rounds} rounds unless capped; medians of fresh processes")
    print(flush=True)

    started = time.perf_counter()
    results = [run_case(case, ctx, args.rounds) for case in cases]
    elapsed = time.perf_counter() - started

    print_table(results)
    print()
    for r in results:
        if r["status"] in ("SKIP", "ERROR"):
            print(f"{r['status']}: {r['name']}: {r['reason']}")
        if r.get("note"):
            print(f"note: {r['name']}: {r['note']} (bar not checked)")
    for case in cases:
        if case.note:
            print(f"note: {case.name}: {case.note}")
    for r in results:  # where a bar sampled the whole process tree, its peak (workers included)
        tree = (r.get("tools") or {}).get("policy_tf", {}).get("tree_pss_kib") or []
        if any(tree):
            print(f"memory: {r['name']}: all processes together peaked at {max(tree) / 1024:.0f} MiB (PSS)")
    floor = next((r for r in results if r["name"].startswith("floor") and r.get("tools")), None)
    if floor:
        print(f"floor (python -c pass): policy_tf venv {_fmt_time(floor['tools']['policy_tf'].get('median_s'))}"
              + (f", policy_sentry venv {_fmt_time(floor['tools']['policy_sentry'].get('median_s'))}"
                 if "policy_sentry" in floor["tools"] else ""))
    load_after = os.getloadavg()
    print(f"took {elapsed:.0f} s; load average {load_before[0]:.2f} -> {load_after[0]:.2f} "
          "(other processes add noise; compare medians, rerun when in doubt)")

    failed = [r for r in results if r["status"] in ("FAIL", "ERROR")]
    if args.json:
        report = {
            "policy_sentry_version": SENTRY_VERSION if sentry else None,
            "peers": {name: PEERS[name].version for name, tool in ctx.peers.items() if tool is not None},
            "python": platform.python_version(), "cpus": os.cpu_count(),
            "load_average": {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in load_after]},
            "rounds": args.rounds, "elapsed_s": round(elapsed, 1), "failed": bool(failed), "cases": results,
        }
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.json}")
    if failed:
        print(f"FAILED: {', '.join(r['name'] for r in failed)}")
        return 1
    unchecked = [r["name"] for r in results if r["status"] in ("n/a", "SKIP")]
    print("all checked bars passed" + (f" (not checked: {', '.join(unchecked)})" if unchecked else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
