"""generate-template --from-code: Python sources -> calls -> grants -> one template per program.

A program is one PATH given (a file, or a folder read recursively), or each file with
``per_file``. Every file is read through the same checks: a regular file (no FIFO or
device), at most ``MAX_SOURCE_BYTES``, strict UTF-8, valid Python; a bad file is reported
with its name and the others are still read.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

from policy_tf.core.errors import InputError

MAX_SOURCE_BYTES = 4 * 1024 * 1024
# Folders that hold other people's code or build output, not the program's.
SKIPPED_DIRS = {".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "env", "__pycache__", "node_modules",
                "site-packages", ".mypy_cache", ".pytest_cache", "build", "dist", ".terraform", ".aws-sam", "cdk.out"}


@dataclass
class Program:
    label: str
    name: str = ""  # the policy's name
    files: list = field(default_factory=list)
    calls: list = field(default_factory=list)
    unknown: list = field(default_factory=list)   # scan.Unknown
    notes: list = field(default_factory=list)     # text


@dataclass
class Generated:
    templates: dict = field(default_factory=dict)  # label -> YAML text
    data: dict = field(default_factory=dict)       # label -> template data
    bad_files: list = field(default_factory=list)  # "path: why"
    empty: list = field(default_factory=list)      # labels with nothing to grant
    skipped: list = field(default_factory=list)    # "path: why" (symbolic links inside folders)
    files: int = 0
    calls: int = 0
    warnings: int = 0
    unknown: int = 0
    unknown_calls: list = field(default_factory=list)  # "file:line: what" of calls mapped to no action


@dataclass
class Options:
    per_file: bool = False
    region: str = ""
    account: str = ""
    assume_kms: bool = False
    environment: dict = field(default_factory=dict)  # lower-cased variable -> value (Terraform outputs)


def python_files(path: str, skipped: list) -> list[str]:
    """The Python files of a PATH: the file itself, or every *.py under a folder (links not followed)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file or folder") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        found = []
        for folder, dirs, names in os.walk(path, followlinks=False):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".")
                             and not _skip_link(os.path.join(folder, d), skipped))
            for name in sorted(names):
                if name.endswith(".py"):
                    full = os.path.join(folder, name)
                    if not _skip_link(full, skipped):
                        found.append(full)
        return found
    return [path]


def _skip_link(path: str, skipped: list) -> bool:
    if os.path.islink(path):
        skipped.append(f"{path}: a symbolic link inside a folder is not followed (name its target to read it)")
        return True
    return False


def read_source(path: str) -> str:
    """The text of one Python file: regular, bounded, strict UTF-8."""
    from policy_tf.core import safeload

    return safeload.decode(read_regular(path, "source file", MAX_SOURCE_BYTES), path)


def read_regular(path: str, what: str, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; a FIFO or device is never read."""
    if "\0" in path:
        raise InputError(f"{path!r}: not a valid path (it holds a NUL character)")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{path}: not a regular file (a FIFO, device or socket is never read)")
        if info.st_size > limit:
            raise InputError(f"{path}: larger than the {limit // (1024 * 1024)} MiB limit for a {what}")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise InputError(f"{path}: larger than the {limit // (1024 * 1024)} MiB limit for a {what}")
    return data


def _is_python(path: str, text: str) -> bool:
    if path.endswith((".py", ".pyw")):
        return True
    first = text.split("\n", 1)[0]
    return first.startswith("#!") and "python" in first


def scan_file(path: str, helpers, environment: dict, modules: dict | None = None, module: str = ""):
    """(Scanner with the calls of one file) or an InputError naming the file."""
    return scan_tree(path, parse_file(path), helpers, environment, modules, module)


def parse_file(path: str):
    """The syntax tree of one Python file, or an InputError naming it."""
    return parse_text(path, read_source(path))


def parse_text(path: str, text: str):
    """The syntax tree of a Python source read from ``path``, or an InputError naming it."""
    import ast

    if not _is_python(path, text):
        raise InputError(f"{path}: not a Python source file (expected *.py, or a script whose first line names python)")
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise InputError(f"{path}:{exc.lineno or 0}: not valid Python: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise InputError(f"{path}: nested too deeply for Python's parser") from None
    except ValueError as exc:
        raise InputError(f"{path}: not valid Python: {exc}") from None
    return tree


def scan_tree(path: str, tree, helpers, environment: dict, modules: dict | None = None, module: str = ""):
    from policy_tf.sources.code.scan import Scanner

    scanner = Scanner(path, helpers, environment, modules, module)
    try:
        scanner.run(tree)
    except RecursionError:
        raise InputError(f"{path}: statements nested too deeply to read") from None
    return scanner


def generate(paths: list[str], options: Options | None = None, db=None) -> Generated:
    from policy_tf.iamdb import query
    from policy_tf.iamdb.catalog import catalog
    from policy_tf.sources.code import mappings as mapping_table
    from policy_tf.sources.code.kms import kms_grants
    from policy_tf.sources.code.render import policy_name, template, to_yaml
    from policy_tf.sources.code.resolve import Context, Problem, Resolver
    from policy_tf.sources.code.scan import Helpers

    options = options or Options()
    table = mapping_table.load()
    cat = catalog(db)
    helpers = Helpers(table.helpers, lambda service: query.sdk_operations("Boto3", service, db=cat.db))
    result = Generated()
    programs: dict[str, Program] = {}
    for path in paths:
        try:
            files = python_files(path, result.skipped)
        except InputError as exc:
            result.bad_files.append(str(exc))
            continue
        if not files:
            result.skipped.append(f"{path}: no Python file (*.py) in it")
        names = module_names(path, files)
        # First the imports of every file, to read each after the modules it imports; the
        # trees are not kept (a large project's would take ten times its size), the text is.
        texts, imports = {}, {}
        for file in files:
            try:
                texts[file] = read_source(file)
                imports[file] = module_imports(parse_text(file, texts[file]), names[file], file.endswith("__init__.py"))
            except InputError as exc:
                texts.pop(file, None)
                result.bad_files.append(str(exc))
        scopes: dict[str, dict] = {}
        for file in import_order(imports, {f: names[f] for f in imports}):
            label = file if options.per_file else path
            program = programs.setdefault(label, Program(label, policy_name(label, path)))
            try:
                scanner = scan_tree(file, parse_text(file, texts.pop(file)), helpers, options.environment, scopes,
                                    names[file])
            except InputError as exc:
                result.bad_files.append(str(exc))
                continue
            scopes[names[file]] = scanner.module_scope()
            program.files.append(file)
            program.calls += scanner.calls
            program.unknown += scanner.unknown
            program.notes += scanner.notes
            result.files += 1
    context = Context(options.region, options.account)
    resolver = Resolver(cat, table, context)
    for label, program in programs.items():
        resolved = resolver.resolve(program.calls)
        kms, kms_notes = kms_grants(program.calls, table.kms, resolver, options.assume_kms)
        grants = resolved.grants + kms
        unknown = [Problem(u.file, u.line, f"{u.service + ' ' if u.service else ''}{u.method}: {u.why}")
                   for u in program.unknown]
        problems = [
            ("Not granted: calls mapped to no IAM action (add them by hand if the code needs them)",
             resolved.unknown + unknown),
            ("Granted on a wildcard or a guess: the code does not name the resource exactly",
             _unique(resolved.warnings)),
            ("KMS (customer managed keys)", kms_notes),
            ("Not read", [Problem("", 0, n) for n in program.notes]),
        ]
        data, comments, header, footer = template(label, program.files, grants, problems, context, program.name)
        result.calls += len(program.calls)
        result.warnings += len(_unique(resolved.warnings))
        result.unknown += len(resolved.unknown) + len(unknown)
        result.unknown_calls += [f"{p.file}:{p.line}: {p.text}" for p in resolved.unknown + unknown]
        if not data:
            result.empty.append(label)
            continue
        result.data[label] = data
        result.templates[label] = to_yaml(data, comments, header, footer)
    return result


def module_names(root: str, files: list[str]) -> dict[str, str]:
    """file -> its dotted module name under the PATH it was found in (pkg/mod.py -> pkg.mod)."""
    out = {}
    base = root if os.path.isdir(root) else os.path.dirname(root)
    for file in files:
        rel = os.path.relpath(file, base) if base else file
        parts = rel[:-3].split(os.sep) if rel.endswith(".py") else [os.path.basename(rel)]
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out[file] = ".".join(parts)
    return out


def module_imports(tree, name: str, package_init: bool) -> list[str]:
    """The dotted names a module imports at its top level (relative imports made absolute):
    those whose values the module uses as it is read."""
    import ast

    package = name.split(".")
    if not package_init:
        package = package[:-1]
    wanted: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            wanted += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            head = node.module or ""
            if node.level:
                head = ".".join([*package[:len(package) - (node.level - 1)], *([head] if head else [])])
            wanted += [head] + [f"{head}.{a.name}" if head else a.name for a in node.names]
    return [m for m in wanted if m]


def import_order(imports: dict[str, list[str]], names: dict[str, str]) -> list[str]:
    """The files, each after the program's modules it imports (cycles: in file order)."""
    by_name = {name: file for file, name in names.items()}

    def local(module: str) -> str | None:
        parts = module.split(".")
        return next((by_name[".".join(parts[i:])] for i in range(len(parts)) if ".".join(parts[i:]) in by_name), None)

    deps = {file: [f for f in (local(m) for m in wanted) if f and f != file] for file, wanted in imports.items()}
    order: list[str] = []
    state: dict[str, int] = {}
    for start in imports:
        stack = [(start, iter(deps[start]))]
        if state.get(start):
            continue
        state[start] = 1
        while stack:  # iterative: a long import chain must not exhaust the recursion limit
            file, pending = stack[-1]
            nxt = next((d for d in pending if not state.get(d)), None)
            if nxt is None:
                stack.pop()
                state[file] = 2
                order.append(file)
            else:
                state[nxt] = 1
                stack.append((nxt, iter(deps[nxt])))
    return order


def _unique(problems: list) -> list:
    seen, out = set(), []
    for p in problems:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def terraform_outputs(path: str) -> tuple[dict, str, str]:
    """(environment, region, account) from ``terraform output -json`` saved to a file.

    Every output with a string value becomes a variable the code may read from the
    environment (``os.environ["BUCKET_NAME"]`` <- output ``bucket_name``); ``region`` /
    ``aws_region`` and ``account_id`` / ``aws_account_id`` give the region and account.
    """
    from policy_tf.core import safeload

    data = safeload.load_json(safeload.decode(read_regular(path, "Terraform outputs file", 64 * 1024 * 1024), path),
                              path)
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected the JSON of 'terraform output -json' (an object of outputs)")
    environment = {}
    for name, entry in data.items():
        if not isinstance(entry, dict) or "value" not in entry:
            raise InputError(f"{path}: {name}: expected an output object with a \"value\"")
        if isinstance(entry["value"], str):
            environment[name.lower()] = entry["value"]
    region = next((environment[k] for k in ("region", "aws_region") if k in environment), "")
    account = next((environment[k] for k in ("account_id", "aws_account_id", "account") if k in environment), "")
    return environment, region, account


def output_names(stems: dict[str, str]) -> dict[str, str]:
    """label -> file name in the output folder: its policy name, made unique case-insensitively."""
    names, taken = {}, set()
    for label in sorted(stems):
        stem = stems[label]
        name, n = f"{stem}.yml", 1
        while name.lower() in taken:
            n += 1
            name = f"{stem}-{n}.yml"
        taken.add(name.lower())
        names[label] = name
    return names


def write_templates(templates: dict[str, str], output_dir: str, force: bool = False,
                    names: dict[str, str] | None = None) -> list[str]:
    """One file per template in ``output_dir``; all of them or none. Existing files are kept
    unless ``force``; symbolic links are refused, so nothing is written outside ``output_dir``."""
    from policy_tf.core.atomic import write_text

    if os.path.islink(output_dir):
        raise InputError(f"{output_dir}: is a symbolic link; give the real folder")
    if os.path.exists(output_dir) and not os.path.isdir(output_dir):
        raise InputError(f"{output_dir}: exists and is not a folder")
    from policy_tf.sources.code.render import policy_name

    stems = {label: (names or {}).get(label) or policy_name(label) for label in templates}
    paths = {label: os.path.join(output_dir, name) for label, name in output_names(stems).items()}
    for path in paths.values():
        if os.path.islink(path):
            raise InputError(f"{path}: is a symbolic link; refusing to write through it")
        if os.path.lexists(path) and not os.path.isfile(path):
            raise InputError(f"{path}: exists and is not a regular file")
        if os.path.exists(path) and not force:
            raise InputError(f"{path}: already exists (it may hold your edits); use --force to overwrite")
    try:
        os.makedirs(output_dir, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{output_dir}: cannot create the folder: {exc.strerror or exc}") from None
    written, previous = [], {}
    try:
        for label, path in sorted(paths.items()):
            if os.path.exists(path):
                with open(path, encoding="utf-8", errors="surrogateescape") as handle:
                    previous[path] = handle.read()
            write_text(path, templates[label])
            written.append(path)
    except OSError as exc:
        for path in written:  # all or nothing: put back what was there
            if path in previous:
                write_text(path, previous[path])
            else:
                os.unlink(path)
        raise InputError(f"{output_dir}: cannot write the templates: {exc.strerror or exc}; "
                         "nothing was written") from None
    return written
