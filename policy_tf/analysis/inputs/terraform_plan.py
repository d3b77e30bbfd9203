"""A Terraform plan JSON (``terraform show -json plan.out``) -> the policies it will create or change.

``planned_values`` (root and child modules) holds the values after apply, minus those that are
unknown until then; ``resource_changes[].change.after_unknown`` says which those are, and each
becomes a ``NotAnalyzed`` ("known only after apply"), never a silent gap. ``prior_state`` gives
the policies as they are today, for ``--new-only``. Policies are named by resource address
plus attribute path (``module.x.aws_iam_role.app.inline_policy.0.policy``), and placed at their
lines in the ``.tf`` files of the configuration that produced the plan: ``config_dir`` (audit's
``--tf-dir``), else the plan's folder when it holds ``.tf`` files, else the working folder's.
"""
from __future__ import annotations

import os
import re

from policy_tf.analysis.inputs import Inputs, json_text, malformed, plan_shape, unparsable
from policy_tf.analysis.inputs.plan_shape import ALL_UNKNOWN
from policy_tf.analysis.inputs.terraform_types import (
    ATTACHMENTS,
    AWS_MANAGED_POLICY,
    IAM_NAMED,
    LAMBDA_PERMISSION,
    POLICY_ATTRIBUTES,
    POLICY_DOCUMENT,
    PRINCIPAL_ATTRIBUTE,
    lambda_permission_policy,
    reference_values,
)
from policy_tf.analysis.model import NotAnalyzed, PolicyInput
from policy_tf.core.errors import InputError

AFTER_APPLY = "known only after apply"
_INDEX = re.compile(r"\[[^\]]*\]")
_PREFIX = re.compile(r"(?:module\.[^.\[]+(?:\[[^\]]*\])?\.)*")


def _resources(module: dict):
    """Every resource of a planned_values/prior_state module and its child modules."""
    for resource in module.get("resources") or []:
        yield resource
    for child in module.get("child_modules") or []:
        yield from _resources(child)


def _config_address(address: str) -> tuple:
    """(module key ``a.b``, address in that module ``aws_iam_role.x``) without instance keys."""
    parts = _INDEX.sub("", address).split(".")
    modules = []
    while len(parts) > 2 and parts[0] == "module":
        modules.append(parts[1])
        parts = parts[2:]
    return ".".join(modules), ".".join(parts)


def _has_tf(folder: str) -> bool:
    try:
        return any(name.endswith(".tf") for name in os.listdir(folder or "."))
    except OSError:
        return False


def _configuration_folder(plan_path: str) -> str:
    """Where the plan's ``.tf`` files are: beside the plan, else in the working folder (where
    ``terraform show -json plan.out > elsewhere/plan.json`` runs)."""
    beside = os.path.dirname(plan_path)
    if _has_tf(beside) or not _has_tf(os.curdir):
        return beside
    return os.curdir


def configuration_folder_found(plan_path: str) -> bool:
    """Whether the plan's ``.tf`` files are found without ``--tf-dir`` (see _configuration_folder)."""
    return _has_tf(_configuration_folder(plan_path))


class Locator:
    """Where each policy of the plan is written in the ``.tf`` files (when they can be found)."""

    def __init__(self, plan_path: str, configuration: dict, config_dir: str | None = None, known: dict | None = None):
        self.root = config_dir or _configuration_folder(plan_path)
        self.dirs = self._module_dirs(configuration)
        self.modules: dict = {}
        self.blocks: dict = {}  # module key -> {address: (file, line)}
        # module key -> {address: (IAM name, path)}: what the plan knows of its principals, for references
        self.known: dict = {}
        for address, value in (known or {}).items():
            if "[" not in address:  # an instance of count / for_each: which one a reference means is not known
                module_key, local = _config_address(address)
                self.known.setdefault(module_key, {})[local] = value

    def _module_dirs(self, configuration: dict) -> dict:
        dirs = {"": self.root}
        manifest = os.path.join(self.root, ".terraform", "modules", "modules.json")
        if os.path.exists(manifest):
            from policy_tf.core import safeload

            try:
                manifest_text = safeload.read_file(manifest, "module manifest")
                entries = safeload.load_json(manifest_text, manifest).get("Modules") or []
            except (InputError, AttributeError):
                entries = []  # only places policies in the .tf files: the plan is read all the same
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict) and isinstance(entry.get("Key"), str) and isinstance(entry.get("Dir"), str) \
                        and entry["Key"] and "\0" not in entry["Dir"]:
                    dirs[entry["Key"]] = os.path.normpath(os.path.join(self.root, entry["Dir"]))

        def walk(module: dict, key: str, folder: str) -> None:
            for name, call in (module.get("module_calls") or {}).items():
                child = f"{key}.{name}" if key else name
                source = call.get("source") or ""
                if child not in dirs and source.startswith(("./", "../")):
                    dirs[child] = os.path.normpath(os.path.join(folder, source))
                if child in dirs:
                    walk(call.get("module") or {}, child, dirs[child])

        walk(configuration.get("root_module") or {}, "", self.root)
        return dirs

    def _read(self, module_key: str) -> None:
        folder = self.dirs.get(module_key)
        found: dict = {}
        blocks: dict = {}
        if folder is not None:
            from policy_tf.analysis.inputs.hcl import read_module, tf_files

            module, _ = read_module(folder, tf_files(folder), self.known.get(module_key))
            for p in module.policies:
                found[(p.address, p.path)] = p
                if p.block_name is not None:
                    found[(p.address, p.path.split(".")[0], p.block_name)] = p
            for doc in module.documents.values():
                found[(doc.address, doc.path)] = doc
            blocks = module.blocks
        self.modules[module_key], self.blocks[module_key] = found, blocks

    def block(self, module_key: str, address: str):
        """(file, line) of a resource block in the .tf files, or None."""
        if module_key not in self.modules:
            self._read(module_key)
        return self.blocks[module_key].get(address)

    def find(self, module_key: str, address: str, path: str, block_name: str | None = None):
        """The StaticPolicy of (module, address, attribute path), or None."""
        if module_key not in self.modules:
            self._read(module_key)
        found = self.modules[module_key]
        if block_name is not None:
            hit = found.get((address, path.split(".")[0], block_name))
            if hit is not None:
                return hit
        return found.get((address, path))


def _expressions(configuration: dict) -> dict:
    """(module key, address) -> the resource's configuration expressions."""
    out: dict = {}

    def walk(module: dict, key: str) -> None:
        for resource in module.get("resources") or []:
            out[(key, resource.get("address"))] = resource.get("expressions") or {}
        for name, call in (module.get("module_calls") or {}).items():
            walk(call.get("module") or {}, f"{key}.{name}" if key else name)

    walk(configuration.get("root_module") or {}, "")
    return out


def _references(expressions: dict, attr: str) -> list:
    """Every reference in the expression of ``attr``, nested blocks included."""
    found: list = []

    def walk(value) -> None:
        if isinstance(value, dict):
            refs = value.get("references")
            found.extend(r for r in refs if isinstance(r, str)) if isinstance(refs, list) else None
            for key, inner in value.items():
                if key != "references":
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(expressions.get(attr))
    return found


def _leaves(references: list) -> list:
    """The references of an expression that are not the prefix of another (Terraform lists
    ``aws_iam_role.b.arn`` and ``aws_iam_role.b`` for one use), in order, once each."""
    out: list = []
    for ref in references:
        if ref not in out and not any(other.startswith(f"{ref}.") for other in references):
            out.append(ref)
    return out


class _Unreadable(Exception):
    """A part of a data source that neither the plan nor the configuration's references give."""


def _filled(values, unknown, references: list, table: dict, prefix: str):
    """A list argument (``resources``, ``identifiers``) with each element unknown in the plan read
    from the configuration's references, in order: only when every reference of the argument is
    one ``table`` knows (an ARN or name of a principal of the plan) and there are as many as
    unknown elements. ``_Unreadable`` otherwise."""
    if unknown is None or unknown is False or unknown == []:
        return values
    if unknown is True or not isinstance(values, list) or not isinstance(unknown, list):
        raise _Unreadable
    holes = [i for i, u in enumerate(unknown) if u is True]
    leaves = _leaves(references)
    found = [table.get(prefix + ref) for ref in leaves]
    if len(found) != len(holes) or any(v is None for v in found) or any(u not in (True, False) for u in unknown):
        raise _Unreadable
    out = list(values)
    for i, value in zip(holes, found):
        out[i] = value
    return out


def _any_unknown(value) -> bool:
    if isinstance(value, dict):
        return any(_any_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_any_unknown(v) for v in value)
    return value is True


def _refs(expression) -> list:
    refs = expression.get("references") if isinstance(expression, dict) else None
    return [r for r in refs if isinstance(r, str)] if isinstance(refs, list) else []


def _items(value) -> list:
    return value if isinstance(value, list) else []


def document_from_plan(values: dict, unknown, expressions: dict, table: dict, prefix: str = "") -> dict | None:
    """The JSON of an ``aws_iam_policy_document`` data source that Terraform reads only at apply
    (its ``json`` unknown in the plan): its statement blocks from the plan's values, each element
    the plan leaves unknown read from the configuration's references to the plan's roles, users,
    groups and policies (``table``: reference text -> value). None when anything else is unknown."""
    from policy_tf.analysis.inputs.terraform_types import policy_document_from_blocks

    unknown = unknown if isinstance(unknown, dict) else {}
    for merged in ("source_policy_documents", "override_policy_documents", "source_json", "override_json"):
        if values.get(merged) not in (None, [], "") or unknown.get(merged) not in (None, False, []):
            return None
    statements, config = _items(values.get("statement")), _items(expressions.get("statement"))
    if len(config) != len(statements) or "dynamic" in expressions or unknown.get("statement") is True:
        return None
    unknown_statements = _items(unknown.get("statement"))
    out = []
    try:
        for i, (statement, cfg) in enumerate(zip(statements, config)):
            un = unknown_statements[i] if i < len(unknown_statements) else {}
            if not isinstance(statement, dict) or not isinstance(cfg, dict) or not isinstance(un, dict):
                return None
            block = dict(statement)
            for key in ("sid", "effect"):
                if un.get(key) is True:
                    raise _Unreadable
            for key in ("actions", "not_actions", "resources", "not_resources"):
                block[key] = _filled(statement.get(key), un.get(key), _refs(cfg.get(key)), table, prefix)
            for key in ("principals", "not_principals"):
                blocks, un_blocks, cfg_blocks = _items(statement.get(key)), un.get(key), _items(cfg.get(key))
                if un_blocks is True or len(cfg_blocks) != len(blocks):
                    raise _Unreadable
                filled = []
                for k, principal in enumerate(blocks):
                    un_p = _items(un_blocks)[k] if k < len(_items(un_blocks)) else {}
                    if not isinstance(principal, dict) or not isinstance(un_p, dict) or un_p.get("type") is True \
                            or not isinstance(cfg_blocks[k], dict):
                        raise _Unreadable
                    filled.append({**principal, "identifiers": _filled(
                        principal.get("identifiers"), un_p.get("identifiers"), _refs(cfg_blocks[k].get("identifiers")),
                        table, prefix)})
                block[key] = filled
            if _any_unknown(un.get("condition")):
                raise _Unreadable  # a Condition's values are not read from references: not guessed
            out.append(block)
    except _Unreadable:
        return None
    if unknown.get("version") is True or unknown.get("policy_id") is True:
        return None
    return policy_document_from_blocks({"version": values.get("version"), "policy_id": values.get("policy_id"),
                                        "statement": out})


class _Reader:
    def __init__(self, path: str, configuration: dict, unknown: dict, config_dir: str | None = None,
                 known: dict | None = None):
        self.path = path
        self.configuration = configuration
        self.locator = Locator(path, self.configuration, config_dir, known)
        self.expressions = _expressions(self.configuration)
        self.unknown = unknown
        self.data_documents: dict = {}  # data source address -> its document, from the plan and configuration

    def read(self, module: dict, with_unknown: bool, with_data: bool) -> Inputs:
        out = Inputs()
        resources = [r for r in _resources(module) if isinstance(r, dict)]
        names = {("role", r["values"].get("name")): r["address"]
                 for r in resources if r.get("type") == "aws_iam_role" and isinstance(r["values"].get("name"), str)}
        out.iam_names.update((r["address"], r["values"]["name"]) for r in resources
                             if r.get("type") in IAM_NAMED and r.get("mode") != "data"
                             and isinstance(r.get("values"), dict)
                             and isinstance(r["values"].get("name"), str) and r["values"]["name"])
        by_address: dict = {}
        attachments = []
        for resource in resources:
            rtype, address = resource.get("type"), resource.get("address", "")
            values = resource.get("values") or {}
            unknown = self.unknown.get(address, {}) if with_unknown else {}
            module_key, local = _config_address(address)
            expressions = self.expressions.get((module_key, local))
            if expressions is not None and unknown is not ALL_UNKNOWN:
                # Optional+computed attributes that this configuration does not set (an aws_sqs_queue's
                # policy, an aws_iam_role's inline_policy) are unknown in every plan: not policies of ours.
                unknown = {k: v for k, v in unknown.items() if k in expressions}
            expressions = expressions or {}
            found_prefix = _PREFIX.match(address)  # always matches, perhaps the empty string
            prefix = found_prefix.group(0) if found_prefix else ""
            if resource.get("mode") == "data":
                continue
            if rtype in ATTACHMENTS:
                attachments.append((rtype, address, values, expressions, prefix))
                continue
            principal = None
            if rtype in PRINCIPAL_ATTRIBUTE:
                attr, kind_name = PRINCIPAL_ATTRIBUTE[rtype]
                if rtype == "aws_iam_role":
                    principal = address
                else:
                    principal = self._principal(values.get(attr), _references(expressions, attr), kind_name, names,
                                                prefix)
            if rtype == LAMBDA_PERMISSION:
                self._lambda_permission(out, address, values, unknown, module_key, local)
                continue
            for attr_path, kind in POLICY_ATTRIBUTES.get(rtype, ()):
                if "." in attr_path:
                    block, attr = attr_path.split(".")
                    blocks = values.get(block) or []
                    if not isinstance(blocks, list):
                        out.not_analyzed.append(NotAnalyzed(self.path, f"{address}.{block}",
                                                            f"not read from the plan: {block}: expected a "
                                                            "list of blocks"))
                        continue
                    blocks = [b if isinstance(b, dict) else {} for b in blocks]
                    block_unknown = unknown.get(block)
                    if block_unknown is True:
                        self._not_analyzed(out, f"{address}.{block}", module_key, local, block)
                        continue
                    for index, nested in enumerate(blocks):
                        nested_unknown = (block_unknown[index] if isinstance(block_unknown, list)
                                          and index < len(block_unknown) else {})
                        block_expressions = _items(expressions.get(block))
                        item = self._policy(out, address, f"{block}.{index}.{attr}", kind, (nested or {}).get(attr),
                                            isinstance(nested_unknown, dict) and nested_unknown.get(attr) is True,
                                            module_key, local, principal, _string((nested or {}).get("name")),
                                            _refs(block_expressions[index].get(attr))
                                            if len(block_expressions) == len(blocks)
                                            and isinstance(block_expressions[index], dict) else [])
                        if item:
                            by_address.setdefault(address, []).append(item)
                else:
                    item = self._policy(out, address, attr_path, kind, values.get(attr_path),
                                        unknown.get(attr_path) is True,
                                        module_key, local, principal if kind != "trust" else None,
                                        references=_refs(expressions.get(attr_path)))
                    if item:
                        by_address.setdefault(address, []).append(item)
        if with_data:
            for resource in resources:
                if resource.get("mode") == "data" and resource.get("type") == POLICY_DOCUMENT:
                    address = resource["address"]
                    module_key, local = _config_address(address)
                    self._policy(out, address, "json", "identity", (resource.get("values") or {}).get("json"),
                                 self.unknown.get(address, {}).get("json") is True, module_key, local, None)
        for rtype, _address, values, expressions, prefix in attachments:
            who_attr, who_kind, policy_attr = ATTACHMENTS[rtype]
            if who_attr is None or who_kind is None:
                continue
            who = self._principal(values.get(who_attr), _references(expressions, who_attr), who_kind, names, prefix)
            arn = values.get(policy_attr)
            if who and isinstance(arn, str) and AWS_MANAGED_POLICY.match(arn):  # AWS's document, not in the plan
                module_key, local = _config_address(_address)
                file, line = self.locator.block(module_key, local) or (self.path, 1)
                out.managed_policies.setdefault(who, []).append((arn, _address, file, line))
            targets = [prefix + ".".join(r.split(".")[:2]) for r in _references(expressions, policy_attr)
                       if r.startswith("aws_iam_policy.")]
            for target in targets:
                for item in by_address.get(target, []):
                    if who and item not in out.principals.get(who, []):
                        out.principals.setdefault(who, []).append(item)
        return out

    def _principal(self, value, references: list, kind: str, names: dict, prefix: str) -> str | None:
        for ref in references:
            if ref.startswith(f"aws_iam_{kind}."):
                return prefix + ".".join(ref.split(".")[:2])
        if isinstance(value, str) and value:
            return names.get((kind, value), f"{kind}/{value}")
        return None

    def _where(self, module_key: str, local: str, path: str, block_name: str | None = None) -> tuple:
        """(file, line, statement lines) of a policy in the .tf files, else the plan file's."""
        static = self.locator.find(module_key, local, path, block_name)
        if static is None:
            return self.path, 1, ()
        return static.source_file or static.file, static.line, static.statement_lines

    def _not_analyzed(self, out: Inputs, name: str, module_key: str, local: str, path: str) -> None:
        file, line, _ = self._where(module_key, local, path)
        out.not_analyzed.append(NotAnalyzed(file, name, AFTER_APPLY, line))

    def _known_later(self, address: str, module_key: str, local: str, path: str, block_name: str | None,
                     references: list):
        """(document, file, line, statement lines) of a policy the plan knows only after apply
        because it names roles, users, groups or policies the plan creates: as the ``.tf`` files
        write it (those references resolved to the plan's names), else, for an
        ``aws_iam_policy_document``, as the plan and the configuration's references give it. None
        when it depends on anything else."""
        static = self.locator.find(module_key, local, path, block_name)
        if static is not None and static.document is not None and static.reason is None \
                and static.parse_error is None:
            return static.document, static.source_file or static.file, static.line, static.statement_lines
        if address.startswith(f"data.{POLICY_DOCUMENT}.") or f".data.{POLICY_DOCUMENT}." in address:
            source = address  # the data source itself
        else:
            leaves = _leaves(references)
            if len(leaves) != 1 or not leaves[0].startswith(f"data.{POLICY_DOCUMENT}.") \
                    or not leaves[0].endswith((".json", ".minified_json")):
                return None
            found = _PREFIX.match(address)
            source = (found.group(0) if found else "") + leaves[0].rsplit(".", 1)[0]
        document = self.data_documents.get(_INDEX.sub("", source))
        if document is None:
            return None
        file, line, _ = self._where(module_key, local, path, block_name)
        return document, file, line, ()

    def _policy(self, out: Inputs, address: str, path: str, kind: str, value, unknown: bool, module_key: str,
                local: str, principal: str | None, block_name: str | None = None,
                references: list | None = None) -> PolicyInput | None:
        name = f"{address}.{path}"
        file, line, lines = self._where(module_key, local, path, block_name)
        if unknown:
            later = self._known_later(address, module_key, local, path, block_name, references or [])
            if later is None:
                out.not_analyzed.append(NotAnalyzed(file, name, AFTER_APPLY, line))
                return None
            value, file, line, lines = later
        if value is None or value == "":
            return None  # the attribute is not set: no policy
        if isinstance(value, str):
            try:
                document = json_text.loads(value, name)
            except InputError as exc:
                out.findings.append(unparsable(file, name, str(exc), line))
                return None
        else:
            document = value
        item = PolicyInput(file, name, kind, document, principal=principal, line=line, statement_lines=lines)
        out.policies.append(item)
        if principal:
            out.principals.setdefault(principal, []).append(item)
        return item

    def _lambda_permission(self, out: Inputs, address: str, values: dict, unknown: dict, module_key: str,
                           local: str) -> None:
        needed = [a for a in ("principal", "action", "source_arn", "source_account", "principal_org_id")
                  if unknown.get(a) is True]
        file, line, _ = self._where(module_key, local, "")
        if needed:
            out.not_analyzed.append(NotAnalyzed(file, address, f"{', '.join(needed)} {AFTER_APPLY}", line))
            return
        wrong = [a for a in _LAMBDA_ARGUMENTS if values.get(a) is not None and not isinstance(values.get(a), str)]
        if wrong:
            out.not_analyzed.append(NotAnalyzed(file, address, f"not read from the plan: {', '.join(wrong)}: "
                                                f"expected a string", line))
            return
        if unknown.get("function_name") is True:
            values = {**values, "function_name": "*"}
        out.policies.append(PolicyInput(file, address, "resource", lambda_permission_policy(values), line=line,
                                        statement_lines=(line,), resource_type=LAMBDA_PERMISSION))


_LAMBDA_ARGUMENTS = ("principal", "action", "function_name", "qualifier", "statement_id", "source_arn",
                     "source_account", "principal_org_id")


def _string(value) -> str | None:
    return value if isinstance(value, str) else None


def read_plan(path: str, plan: dict, config_dir: str | None = None) -> Inputs:
    """The policies of a plan JSON (``planned_values``), with its ``prior_state`` as ``prior``.

    Shapes are checked first (``plan_shape``): a wrong frame is one MALFORMED_POLICY finding
    (modules nested too deeply, one error), a wrong or too deeply
    nested resource is skipped and reported as not analyzed, and the rest is read. ``config_dir``:
    the configuration's folder, for the findings' ``.tf`` lines."""
    try:
        root, prior_module, configuration, unknown, skipped = plan_shape.checked(plan, path)
    except plan_shape.PlanShapeError as exc:  # a frame of the wrong shape: malformed input, a finding
        out = Inputs()
        out.sources.append((path, "malformed"))
        out.findings.append(malformed(path, os.path.splitext(os.path.basename(path))[0], str(exc)))
        return out
    except InputError as exc:  # nested beyond the budget: refused as hostile
        out = Inputs()
        out.errors.append(str(exc))
        return out
    known = _principal_names(root, unknown)
    reader = _Reader(path, configuration, unknown, config_dir, known)
    if "planned_values" not in plan and "values" in plan:  # `terraform show -json` of a state
        out = reader.read(root, with_unknown=False, with_data=True)
        _report_skipped(out, path, skipped)
        return out
    # Data sources read during the plan sit in prior_state (planned_values has only those deferred to apply).
    data_only = {"resources": [r for r in _resources(prior_module) if isinstance(r, dict) and r.get("mode") == "data"]}
    deferred = {"resources": [r for r in _resources(root) if isinstance(r, dict) and r.get("mode") == "data"]}
    _deferred_documents(reader, deferred["resources"], known)
    out = reader.read(root, with_unknown=True, with_data=False)
    _report_skipped(out, path, skipped)
    documents = reader.read({"resources": data_only["resources"] + deferred["resources"]}, with_unknown=True,
                            with_data=True)
    out.policies += [p for p in documents.policies if not _referenced(out, p, configuration)]
    out.not_analyzed += documents.not_analyzed
    out.findings += documents.findings
    prior = reader.read({"resources": [r for r in _resources(prior_module)
                                       if isinstance(r, dict) and r.get("mode") != "data"]},
                        with_unknown=False, with_data=False)
    out.prior = prior
    return out


def _principal_names(root: dict, unknown: dict) -> dict:
    """address -> (IAM name, path, type) of the plan's roles, users, groups and managed policies
    whose name it knows (the path None when only apply knows it)."""
    out: dict = {}
    for r in _resources(root):
        if not isinstance(r, dict) or r.get("type") not in IAM_NAMED or r.get("mode") == "data":
            continue
        values = r.get("values") or {}
        name, iam_path = values.get("name"), values.get("path")
        if not isinstance(name, str) or not name:
            continue
        if not isinstance(iam_path, str):
            iam_path = None if unknown.get(r["address"], {}).get("path") is True else "/"
        out[r["address"]] = (name, iam_path, r["type"])
    return out


def _deferred_documents(reader: _Reader, resources: list, known: dict) -> None:
    """The aws_iam_policy_document data sources Terraform reads only at apply, rebuilt from the
    plan's values and the configuration's references (``document_from_plan``), into
    ``reader.data_documents``."""
    table: dict = {}
    for address, (name, iam_path, rtype) in known.items():
        if "[" not in address:
            table.update(reference_values(address, rtype, name, iam_path))
    for resource in resources:
        address = resource.get("address", "")
        if resource.get("type") != POLICY_DOCUMENT or "[" in address:
            continue
        unknown = reader.unknown.get(address, {})
        if unknown is not ALL_UNKNOWN and unknown.get("json") is not True:
            continue  # read in the plan already
        found = _PREFIX.match(address)
        prefix = found.group(0) if found else ""
        document = document_from_plan(resource.get("values") or {}, unknown,
                                      reader.expressions.get(_config_address(address)) or {}, table, prefix)
        if document is not None:
            reader.data_documents[address] = document


def _report_skipped(out: Inputs, path: str, skipped: list) -> None:
    for name, reason in skipped:
        out.not_analyzed.append(NotAnalyzed(path, name, f"not read from the plan: {reason}"))


def _referenced(out: Inputs, policy: PolicyInput, configuration: dict) -> bool:
    """Whether a data source's document is already analyzed as the attribute that uses it."""
    reader_refs = set()
    attrs = {a.split(".")[0] for values in POLICY_ATTRIBUTES.values() for a, _ in values}
    for (module_key, _), expressions in _expressions(configuration).items():
        prefix = "".join(f"module.{m}." for m in module_key.split(".")) if module_key else ""
        for attr in attrs:
            for ref in _references(expressions, attr):
                if ref.startswith(f"data.{POLICY_DOCUMENT}."):
                    reader_refs.add(prefix + ".".join(ref.split(".")[:3]))
    module_key, local = _config_address(policy.name)
    prefix = "".join(f"module.{m}." for m in module_key.split(".")) if module_key else ""
    return prefix + local.rsplit(".", 1)[0] in reader_refs
