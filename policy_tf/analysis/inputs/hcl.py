"""Policies written in ``.tf`` files, read statically (python-hcl2's syntax tree, with positions).

Literal values only: ``jsonencode({...})`` of an HCL object, heredoc or quoted JSON strings,
``file("...")`` of a JSON file beside the module, and ``aws_iam_policy_document`` data sources
(referenced as ``data.aws_iam_policy_document.NAME.json``). One kind of reference is read too:
the ``arn``, ``name`` or ``id`` of a role, user, group or managed policy of the same module
whose ``name`` is literal (``aws_iam_role.ops.arn`` is ``arn:aws:iam::${Account}:role/ops``,
``UNKNOWN_ACCOUNT`` standing for the account Terraform applies to), and the ``account_id`` of
a ``data "aws_caller_identity"``: trust and permission policies name each other this way, and
who can become whom is read from them. Anything else that depends on a variable, another
resource or a function result is not guessed at: it becomes a ``NotAnalyzed`` naming what it
depends on (the plan JSON has its value).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from policy_tf.analysis.inputs import json_text
from policy_tf.analysis.inputs.terraform_types import (
    ATTACHMENTS,
    AWS_MANAGED_POLICY,
    IAM_NAMED,
    LAMBDA_PERMISSION,
    POLICY_ATTRIBUTES,
    POLICY_DOCUMENT,
    PRINCIPAL_ATTRIBUTE,
    lambda_permission_policy,
    policy_document_from_blocks,
    reference_values,
)
from policy_tf.analysis.model import UNKNOWN_ACCOUNT
from policy_tf.core.errors import InputError
from policy_tf.core.safeload import MAX_DEPTH

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_INTERPOLATION = re.compile(r"(?<!\$)\$\{|(?<!%)%\{")
_DATA_REF = re.compile(r"^data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)\.(?:json|minified_json)$")
_RESOURCE_REF = re.compile(r"^(aws_iam_(?:role|user|group|policy))\.([A-Za-z0-9_-]+)(?:\[[^\]]*\])?\.(?:name|id|arn)$")


class NonLiteral(Exception):
    """An expression whose value is known only to Terraform; ``args[0]`` is its source text."""


@dataclass
class StaticPolicy:
    """One policy attribute found in a ``.tf`` file."""

    file: str
    address: str        # resource address within its module: aws_iam_role.app
    path: str           # attribute path: inline_policy.0.policy
    kind: str
    line: int           # line of the attribute (or of the data source block)
    document: object = None
    statement_lines: tuple = ()
    source_file: str | None = None  # the JSON file when the policy is file("...")
    reason: str | None = None       # why it cannot be read statically
    block_name: str | None = None   # the inline_policy block's name argument, to match plan values
    references: tuple = ()          # data sources it uses
    parse_error: str | None = None  # the policy is a string that is not valid JSON
    principal: str | None = None    # the role/user/group (address) whose permissions it adds to

    @property
    def name(self) -> str:
        return f"{self.address}.{self.path}" if self.path else self.address  # a lambda permission: its address


@dataclass
class Module:
    """The policies of the ``.tf`` files of one folder (one Terraform module)."""

    folder: str
    policies: list = field(default_factory=list)
    documents: dict = field(default_factory=dict)  # data source name -> StaticPolicy
    attachments: list = field(default_factory=list)  # (principal address, policy address)
    iam_names: dict = field(default_factory=dict)  # role/user/group/policy address -> its literal IAM name
    malformed: list = field(default_factory=list)  # HclSyntaxError of each file that is not HCL
    # (principal address, AWS-managed policy ARN, attachment address, file, line)
    managed_attachments: list = field(default_factory=list)
    blocks: dict = field(default_factory=dict)  # resource address -> (file, line of its block)


def _text(node) -> str:
    return str(node) if not hasattr(node, "data") else ""


def _source(node, text: str) -> str:
    meta = getattr(node, "meta", None)
    if meta is not None and not meta.empty:
        return " ".join(text[meta.start_pos:meta.end_pos].split())
    return str(node)


def _line(node) -> int:
    meta = getattr(node, "meta", None)
    if meta is not None and not meta.empty:
        return meta.line
    return getattr(node, "line", None) or 1


def _subtrees(node) -> list:
    return [c for c in node.children if hasattr(c, "data")]


_HEX = frozenset("0123456789abcdefABCDEF")
MAX_VALUE_DEPTH = 96  # evaluator levels (about two per nesting level): policies nest at most 32 levels


class BadLiteral(NonLiteral):
    """A literal that Terraform itself would reject, or one too deeply nested to read: the
    policy is reported as not analyzed, with this reason, instead of ending the run."""


def _unescape(raw: str) -> str:
    out, i = [], 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            nxt = raw[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt in "uU":
                width = 4 if nxt == "u" else 8
                digits = raw[i + 2:i + 2 + width]
                code = int(digits, 16) if len(digits) == width and all(c in _HEX for c in digits) else -1
                if not 0 <= code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                    raise BadLiteral(f"the string holds an invalid escape {raw[i:i + 2 + width]!r}, which "
                                     "Terraform rejects")
                out.append(chr(code))
                i += 2 + width
                continue
        out.append(ch)
        i += 1
    return "".join(out).replace("$${", "${").replace("%%{", "%{")


class Evaluator:
    """Values of literal HCL expressions; ``NonLiteral`` for anything else."""

    def __init__(self, text: str, folder: str, path_values: dict | None = None):
        self.text = text
        self.folder = folder
        self.path_values = path_values or {}
        self.depth = 0

    def value(self, node):
        name = getattr(node, "data", None)
        if name is None:
            raise NonLiteral(str(node))
        method = getattr(self, f"_{name}", None)
        if method is None:
            raise NonLiteral(_source(node, self.text))
        if self.depth >= MAX_VALUE_DEPTH:
            raise BadLiteral(f"the value nests too deeply to read (policies nest at most {MAX_DEPTH} levels)")
        self.depth += 1
        try:
            return method(node)
        finally:
            self.depth -= 1

    def _expr_term(self, node):
        subs = _subtrees(node)
        if len(subs) != 1:
            raise NonLiteral(_source(node, self.text))
        return self.value(subs[0])

    def _int_lit(self, node):
        return int(_text(node.children[0]))

    def _float_lit(self, node):
        return float(_text(node.children[0]))

    def _literal_value(self, node):
        word = _text(node.children[0])
        if word in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[word]
        raise NonLiteral(word)

    def _unary_op(self, node):
        op, operand = _text(node.children[0]), self.value(_subtrees(node)[0])
        if op == "-" and isinstance(operand, (int, float)) and not isinstance(operand, bool):
            return -operand
        raise NonLiteral(_source(node, self.text))

    def _string(self, node):
        parts = []
        for part in node.children:
            if getattr(part, "data", None) != "string_part":
                continue
            for piece in part.children:
                if hasattr(piece, "data"):  # an interpolation
                    parts.append(self._interpolation(piece))
                else:
                    parts.append(_unescape(str(piece)))
        return "".join(parts)

    def _interpolation(self, node):
        source = _source(node, self.text)
        inner = source[2:-1].strip() if source.startswith("${") else source
        if inner.replace(" ", "") in self.path_values:
            return self.path_values[inner.replace(" ", "")]
        raise NonLiteral(inner)

    def _get_attr_expr_term(self, node):
        """``aws_iam_role.ops.arn``: a value only where the module knows it (``path_values``)."""
        source = _source(node, self.text).replace(" ", "")
        if source in self.path_values:
            return self.path_values[source]
        raise NonLiteral(source)

    def _heredoc(self, node, trim: bool) -> str:
        raw = str(node.children[0])
        lines = raw.split("\n")
        body = lines[1:-1] if len(lines) > 2 else []
        if body and not lines[-1].strip():  # the token may end with the newline after the marker
            body = lines[1:-2]
        if trim:
            indents = [len(ln) - len(ln.lstrip()) for ln in body if ln.strip()]
            cut = min(indents, default=0)
            body = [ln[cut:] for ln in body]
        result = "\n".join(body) + "\n"
        found = _INTERPOLATION.search(result)
        if found:
            end = result.find("}", found.start())
            raise NonLiteral(result[found.start():end + 1] if end > 0 else "a template")
        return result.replace("$${", "${").replace("%%{", "%{")

    def _heredoc_template(self, node):
        return self._heredoc(node, trim=False)

    def _heredoc_template_trim(self, node):
        return self._heredoc(node, trim=True)

    def _tuple(self, node):
        return [self.value(c) for c in _subtrees(node) if c.data != "new_line_or_comment"]

    def _object(self, node):
        out = {}
        for elem in _subtrees(node):
            if elem.data != "object_elem":
                continue
            key_node, value_node = [c for c in _subtrees(elem)]
            out[self._key(key_node)] = self.value(value_node)
        return out

    def _key(self, node):
        subs = _subtrees(node)
        inner = subs[0] if subs else node
        if getattr(inner, "data", None) == "expr_term":
            subs = _subtrees(inner)
            if len(subs) == 1 and subs[0].data == "identifier":
                return _text(subs[0].children[0])
            return str(self.value(inner))
        if getattr(inner, "data", None) == "identifier":
            return _text(inner.children[0])
        return str(self.value(inner))

    def _function_call(self, node):
        subs = _subtrees(node)
        name = _text(subs[0].children[0])
        args = [self.value(a) for a in _subtrees(subs[1])] if len(subs) > 1 else []
        if name == "jsonencode" and len(args) == 1:
            return JsonEncoded(args[0])
        if name == "file" and len(args) == 1 and isinstance(args[0], str):
            return FileContent(os.path.normpath(os.path.join(self.folder, args[0])))
        raise NonLiteral(_source(node, self.text))


class JsonEncoded:
    """The value of ``jsonencode(x)``: kept as ``x`` so that positions inside it stay known."""

    def __init__(self, value):
        self.value = value


class FileContent:
    def __init__(self, path: str):
        self.path = path


def _attributes(body) -> dict:
    """name -> expression node, and name -> [block, ...] for the nested blocks of a body."""
    attrs: dict = {}
    blocks: dict = {}
    for child in _subtrees(body):
        if child.data == "attribute":
            key, expr = _subtrees(child)[0], _subtrees(child)[-1]
            attrs[_text(key.children[0])] = (expr, child)
        elif child.data == "block":
            subs = _subtrees(child)
            blocks.setdefault(_text(subs[0].children[0]), []).append(child)
    return {"attrs": attrs, "blocks": blocks}


def _labels(block, ev: Evaluator) -> list:
    return [ev.value(s) if s.data == "string" else _text(s.children[0])
            for s in _subtrees(block)[1:] if s.data in ("string", "identifier")]


def _body(block):
    return next(c for c in _subtrees(block) if c.data == "body")


def _statement_lines_of(node, ev: Evaluator) -> tuple:
    """Lines of the elements of the Statement tuple in a jsonencode'd object node."""
    node = _unwrap(node)
    if getattr(node, "data", None) == "function_call":
        args = _subtrees(node)
        node = _unwrap(_subtrees(args[1])[0]) if len(args) > 1 and _subtrees(args[1]) else None
    if getattr(node, "data", None) != "object":
        return ()
    for elem in _subtrees(node):
        if elem.data != "object_elem":
            continue
        key_node, value_node = _subtrees(elem)
        try:
            key = ev._key(key_node)
        except NonLiteral:
            continue
        if key == "Statement":
            value_node = _unwrap(value_node)
            if value_node.data == "tuple":
                return tuple(_line(c) for c in _subtrees(value_node) if c.data != "new_line_or_comment")
            return (_line(value_node),)
    return ()


def _unwrap(node):
    while getattr(node, "data", None) == "expr_term" and len(_subtrees(node)) == 1:
        node = _subtrees(node)[0]
    return node


def _reference(node, text: str) -> str | None:
    """``data.aws_iam_policy_document.x.json`` when the expression is exactly that reference."""
    node = _unwrap(node)
    if getattr(node, "data", None) != "get_attr_expr_term":
        return None
    match = _DATA_REF.match(_source(node, text).replace(" ", ""))
    return match.group(1) if match else None


def _read_value(policy: StaticPolicy, expr, ev: Evaluator, documents: dict) -> None:
    """Fill ``policy`` from the expression of its attribute."""
    ref = _reference(expr, ev.text)
    if ref is not None:
        doc = documents.get(ref)
        if doc is None:
            policy.reason = f"refers to data.aws_iam_policy_document.{ref}, which is not in this folder"
        else:
            policy.references = (ref,)
            policy.document, policy.reason = doc.document, doc.reason
            policy.statement_lines, policy.source_file = doc.statement_lines, doc.source_file or doc.file
            policy.parse_error = doc.parse_error
        return
    try:
        value = ev.value(expr)
    except BadLiteral as exc:
        policy.reason = str(exc)
        return
    except NonLiteral as exc:
        policy.reason = f"not a literal policy (depends on {exc.args[0]}); audit the plan JSON to analyze it"
        return
    if isinstance(value, JsonEncoded):
        policy.document = value.value
        policy.statement_lines = _statement_lines_of(expr, ev)
        return
    if isinstance(value, FileContent):
        try:
            value_text = json_text.read(value.path)
        except InputError as exc:
            policy.reason = str(exc)
            return
        policy.source_file, first = value.path, 1
    elif isinstance(value, str):
        value_text, first = value, _line(expr) + (1 if "heredoc" in getattr(_unwrap(expr), "data", "") else 0)
    else:
        policy.document = value  # not a string: the checks report the shape
        return
    try:
        policy.document = json_text.loads(value_text, policy.name)
    except InputError as exc:
        policy.document, policy.parse_error = value_text, str(exc)
        return
    if "heredoc" in getattr(_unwrap(expr), "data", "") or policy.source_file:
        policy.statement_lines = json_text.statement_lines(value_text, first)
    else:
        policy.statement_lines = tuple(_line(expr) for _ in json_text.statement_offsets(value_text))


def _policy_document(block, ev: Evaluator, file: str, name: str) -> StaticPolicy:
    """An aws_iam_policy_document data source, turned into the JSON policy it computes."""
    policy = StaticPolicy(file, f"data.{POLICY_DOCUMENT}.{name}", "json", "identity", _line(block))
    parts = _attributes(_body(block))
    if "dynamic" in parts["blocks"]:
        policy.reason = "builds statements with dynamic blocks; audit the plan JSON to analyze it"
        return policy
    for merged in ("source_policy_documents", "override_policy_documents", "source_json", "override_json"):
        if merged in parts["attrs"]:
            policy.reason = f"merges {merged}; audit the plan JSON to analyze it"
            return policy
    try:
        args = {k: ev.value(expr) for k, (expr, _) in parts["attrs"].items()}
        statements = []
        for block_node in parts["blocks"].get("statement", []):
            statements.append(_block_values(block_node, ev))
    except BadLiteral as exc:
        policy.reason = str(exc)
        return policy
    except NonLiteral as exc:
        policy.reason = f"not a literal policy (depends on {exc.args[0]}); audit the plan JSON to analyze it"
        return policy
    policy.document = policy_document_from_blocks({**args, "statement": statements})
    policy.statement_lines = tuple(_line(b) for b in parts["blocks"].get("statement", []))
    return policy


def _block_values(block, ev: Evaluator) -> dict:
    parts = _attributes(_body(block))
    if "dynamic" in parts["blocks"]:
        raise NonLiteral("a dynamic block")
    values = {k: ev.value(expr) for k, (expr, _) in parts["attrs"].items()}
    for name, blocks in parts["blocks"].items():
        values[name] = [_block_values(b, ev) for b in blocks]
    return values


def parse_file(path: str) -> tuple:
    """(the .tf file's text, its syntax tree); HclSyntaxError (an InputError with the line) for
    text that is not HCL, InputError for a file the input gate refuses."""
    text = json_text.read(path)
    from policy_tf.analysis.inputs.hcl_tree import parses_to_tree, syntax_error

    try:
        return text, parses_to_tree(text)
    except InputError:
        raise
    except ModuleNotFoundError:
        raise
    except RecursionError:  # nesting beyond the parser's stack: refused as hostile, as deep JSON is
        raise InputError(f"{path}: nests too deeply to read as HCL") from None
    except Exception as exc:  # noqa: BLE001 - lark and python-hcl2 raise many unrelated types for syntax errors
        raise syntax_error(path, text, exc) from None


def _known_references(parsed: list, folder: str, module: Module, known: dict | None) -> dict:
    """Reference text -> value for what the module knows before apply: the ``arn`` / ``name``
    / ``id`` of its roles, users, groups and managed policies whose ``name`` (and, for the ARN,
    ``path``) is literal, or given in ``known`` (address -> (name, path), a plan's values), and
    ``account_id`` of its ``aws_caller_identity`` data sources. The IAM names go to
    ``module.iam_names``."""
    out: dict = {}
    for _, text, tree in parsed:
        ev = Evaluator(text, folder, {"path.module": ".", "path.root": "."})
        for block in _top_blocks(tree, "data"):
            labels = _labels(block, ev)
            if len(labels) == 2 and labels[0] == "aws_caller_identity":
                out[f"data.aws_caller_identity.{labels[1]}.account_id"] = UNKNOWN_ACCOUNT
        for block in _top_blocks(tree, "resource"):
            labels = _labels(block, ev)
            if len(labels) != 2 or labels[0] not in IAM_NAMED:
                continue
            address = f"{labels[0]}.{labels[1]}"
            attrs = _attributes(_body(block))["attrs"]
            name, iam_path = None, "/" if "path" not in attrs else None
            for attr in ("name", "path"):
                if attr in attrs:
                    try:
                        value = ev.value(attrs[attr][0])
                    except NonLiteral:
                        continue
                    if attr == "name":
                        name = value
                    elif isinstance(value, str):
                        iam_path = value
            if known and address in known:
                name, iam_path = known[address][0], known[address][1] or iam_path
            if isinstance(name, str) and name:
                module.iam_names[address] = name
                out.update(reference_values(address, labels[0], name, iam_path))
    return out


def read_module(folder: str, files: list, known: dict | None = None) -> tuple:
    """(Module, [error message, ...]) for the ``.tf`` files of one folder: a file that is not
    HCL is in ``Module.malformed`` (the others are still read), one that cannot be read an error.
    ``known``: address -> (IAM name, path) of its roles, users, groups and policies, where a plan
    knows them (references to them then read as the plan's values)."""
    from policy_tf.analysis.inputs.hcl_tree import HclSyntaxError

    module, errors = Module(folder), []
    parsed = []
    for path in files:
        try:
            text, tree = parse_file(path)
        except HclSyntaxError as exc:
            module.malformed.append(exc)
            continue
        except InputError as exc:
            errors.append(str(exc))
            continue
        parsed.append((path, text, tree))
    # file() paths are joined to the module's folder, so path.module is "." here: the folder
    # itself would be joined twice ("in/in/policy.json" for `audit in`).
    path_values = {"path.module": ".", "path.root": "."}
    path_values.update(_known_references(parsed, folder, module, known))
    # Data sources first: resources refer to them from any file of the module.
    for path, text, tree in parsed:
        ev = Evaluator(text, folder, path_values)
        for block in _top_blocks(tree, "data"):
            labels = _labels(block, ev)
            if len(labels) == 2 and labels[0] == POLICY_DOCUMENT:
                module.documents[labels[1]] = _policy_document(block, ev, path, labels[1])
    names: dict = {}  # (kind, literal name) -> address, for role = "name" style arguments
    for path, text, tree in parsed:
        ev = Evaluator(text, folder, path_values)
        for block in _top_blocks(tree, "resource"):
            labels = _labels(block, ev)
            if len(labels) != 2:
                continue
            address = f"{labels[0]}.{labels[1]}"
            parts = _attributes(_body(block))
            module.blocks[address] = (path, _line(block))
            if labels[0] in ATTACHMENTS:
                who_attr, _, policy_attr = ATTACHMENTS[labels[0]]
                who = _principal_of(parts, who_attr, ev, names, labels[0].split("_")[2]) if who_attr else None
                target = _target(parts, policy_attr, ev)
                if who and target:
                    module.attachments.append((who, target))
                elif who and policy_attr in parts["attrs"]:
                    try:
                        arn = ev.value(parts["attrs"][policy_attr][0])
                    except NonLiteral:
                        arn = None
                    if isinstance(arn, str) and AWS_MANAGED_POLICY.match(arn):
                        module.managed_attachments.append((who, arn, address, path, _line(block)))
                continue
            if labels[0] == LAMBDA_PERMISSION:
                module.policies.append(_lambda_permission(path, address, parts, ev, _line(block)))
                continue
            if labels[0] not in POLICY_ATTRIBUTES:
                continue
            principal = None
            if labels[0] in PRINCIPAL_ATTRIBUTE:
                attr, kind_name = PRINCIPAL_ATTRIBUTE[labels[0]]
                if labels[0] == "aws_iam_role":
                    principal = address
                    if "name" in parts["attrs"]:
                        try:
                            names[("role", ev.value(parts["attrs"]["name"][0]))] = address
                        except NonLiteral:
                            pass
                else:
                    principal = _principal_of(parts, attr, ev, names, kind_name)
            for attr_path, kind in POLICY_ATTRIBUTES[labels[0]]:
                if "." in attr_path:
                    block_name, attr = attr_path.split(".")
                    for index, nested in enumerate(parts["blocks"].get(block_name, [])):
                        nested_parts = _attributes(_body(nested))
                        if attr not in nested_parts["attrs"]:
                            continue
                        expr, node = nested_parts["attrs"][attr]
                        policy = StaticPolicy(path, address, f"{block_name}.{index}.{attr}", kind, _line(node))
                        name_expr = nested_parts["attrs"].get("name")
                        if name_expr:
                            try:
                                policy.block_name = ev.value(name_expr[0])
                            except NonLiteral:
                                pass
                        _read_value(policy, expr, ev, module.documents)
                        policy.principal = principal
                        module.policies.append(policy)
                elif attr_path in parts["attrs"]:
                    expr, node = parts["attrs"][attr_path]
                    policy = StaticPolicy(path, address, attr_path, kind, _line(node))
                    _read_value(policy, expr, ev, module.documents)
                    policy.principal = principal if kind != "trust" else None
                    module.policies.append(policy)
    return module, errors


# An aws_lambda_permission's arguments that make up its statement; without a literal value for one of
# the first five, who may invoke is unknown (the plan JSON has it); any function name stands for one.
_PERMISSION_ARGUMENTS = ("principal", "action", "source_arn", "source_account", "principal_org_id",
                         "function_url_auth_type", "function_name", "qualifier", "statement_id")


def _lambda_permission(file: str, address: str, parts: dict, ev: Evaluator, line: int) -> StaticPolicy:
    """The statement an aws_lambda_permission adds to its function's policy, as in plan mode."""
    policy = StaticPolicy(file, address, "", "resource", line, statement_lines=(line,))
    values: dict = {}
    for attr in _PERMISSION_ARGUMENTS:
        if attr not in parts["attrs"]:
            continue
        try:
            values[attr] = ev.value(parts["attrs"][attr][0])
        except NonLiteral as exc:
            if attr in _PERMISSION_ARGUMENTS[:6]:
                policy.reason = (f"not a literal permission (depends on {exc.args[0]}); "
                                 "audit the plan JSON to analyze it")
                return policy
            values[attr] = "*" if attr == "function_name" else None
    policy.document = lambda_permission_policy(values)
    return policy


def _principal_of(parts: dict, attr: str, ev: Evaluator, names: dict, kind: str) -> str | None:
    """The address of the role/user/group an argument names (a reference, or a literal name)."""
    if attr not in parts["attrs"]:
        return None
    expr = parts["attrs"][attr][0]
    match = _RESOURCE_REF.match(_source(_unwrap(expr), ev.text).replace(" ", ""))
    if match:
        return f"{match.group(1)}.{match.group(2)}"
    try:
        value = ev.value(expr)
    except NonLiteral:
        return None
    return names.get((kind, value), f"{kind}/{value}") if isinstance(value, str) else None


def _target(parts: dict, attr: str, ev: Evaluator) -> str | None:
    if attr not in parts["attrs"]:
        return None
    match = _RESOURCE_REF.match(_source(_unwrap(parts["attrs"][attr][0]), ev.text).replace(" ", ""))
    return f"{match.group(1)}.{match.group(2)}" if match else None


def _top_blocks(tree, kind: str) -> list:
    body = next((c for c in _subtrees(tree) if c.data == "body"), tree)
    out = []
    for child in _subtrees(body):
        if child.data == "block" and _text(_subtrees(child)[0].children[0]) == kind:
            out.append(child)
    return out


def tf_files(folder: str) -> list:
    """The ``.tf`` files of one folder (not its subfolders: each folder is its own module)."""
    try:
        names = sorted(os.listdir(folder or "."))
    except OSError:
        return []
    return [os.path.join(folder, n) for n in names if n.endswith(".tf") and os.path.isfile(os.path.join(folder, n))]
