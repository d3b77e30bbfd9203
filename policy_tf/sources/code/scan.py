"""Find the AWS API calls of a Python program by reading its syntax tree, never by running it.

Recognised: ``boto3.client`` / ``boto3.resource`` / ``boto3.Session(...).client`` (also
imported under other names, stored in attributes such as ``self.s3``, returned from helper
functions or opened with ``async with``), client methods, paginators and waiters (resolved
to API operations through botocore's models), boto3's resource API (``Table.put_item``,
``Bucket.objects.filter``, attribute loads, waiters) through boto3's resource models, and the
SDK helpers of ``data/code-operation-mappings.yml`` (managed transfers, presigned URLs).

Each call found is a ``Call``: the API operation, the values of its parameters (see
``values``), and where it is. A method of an SDK object that is no API operation the models
know is an ``Unknown``, reported, never dropped.
"""
from __future__ import annotations

import ast
from collections import namedtuple

from policy_tf.sources.code import sdk
from policy_tf.sources.code.values import UNKNOWN, Choice, Folder, Text, concat, dotted, is_text, literal, merge

# service: boto3 service name; params: parameter name -> value; open_params: the call passes
# **kwargs (parameters the scan cannot see); via: how the code reached the operation.
Call = namedtuple("Call", "file line service operation params region via open_params")
Unknown = namedtuple("Unknown", "file line service method why")

MAX_DEPTH = 150  # expression nesting read; deeper parts are reported, not read
# Client methods that are no API call.
_CLIENT_LOCAL = {"get_paginator", "get_waiter", "can_paginate", "close", "meta", "exceptions",
                 "waiter_names", "generate_db_auth_token"}
_COLLECTION_CALLS = {"all", "filter", "limit", "page_size", "pages"}


class Obj:
    """An SDK object the program holds: what it is and what it was made with."""

    __slots__ = ("kind", "service", "region", "rtype", "ids", "spec", "op")  # spec: a collection's
    # definition, or a resource's "params" (what the request that made it named)

    def __init__(self, kind: str, service: str = "", region=None, rtype: str | None = None,
                 ids: dict | None = None, spec: dict | None = None, op: str = ""):
        self.kind = kind
        self.service = service
        self.region = region  # Text or None
        self.rtype = rtype  # resource type name (None: the service resource)
        self.ids = ids or {}  # identifier name -> value
        self.spec = spec or {}  # collection definition
        self.op = op  # paginator / waiter operation


class Helpers:
    """The SDK helpers of the curated data, by (service, on, method)."""

    def __init__(self, entries: dict, sdk_methods=None):
        self.entries = entries
        # service -> {method: (prefix, operation)}: the IAM database's SDK method names (Service
        # Reference JSON), for methods newer than the botocore installed.
        self.sdk_methods = sdk_methods
        self._sdk: dict = {}

    def get(self, service: str, on: str, method: str):
        return self.entries.get((service, on, method))

    def sdk_operation(self, service: str, method: str) -> str | None:
        if self.sdk_methods is None:
            return None
        if service not in self._sdk:
            self._sdk[service] = self.sdk_methods(service)
        found = self._sdk[service].get(method)
        return found[1] if found else None


class Scanner:
    def __init__(self, path: str, helpers: Helpers, environment: dict[str, str] | None = None,
                 modules: dict[str, dict] | None = None, module: str = ""):
        self.path = path
        # The program's own modules scanned before this one (dotted name -> module scope), so
        # that `from settings import BUCKET` and `from clients import s3` are followed.
        self.local_modules = modules or {}
        self.module = module
        self.helpers = helpers
        self.calls: list[Call] = []
        self.unknown: list[Unknown] = []
        self.notes: list[str] = []
        self.scopes: list[dict] = [{}]
        self.attrs: dict[str, object] = {}  # "self.s3" and other attribute paths
        self.modules: dict[str, set] = {"os": set(), "environ": set(), "getenv": set()}
        self.folder = Folder(self._lookup_value, self.modules, environment)
        self._deep_reported = False
        # Inside an if / loop / try body: a name assigned there may keep its earlier value.
        self.branching = 0

    # -- names -------------------------------------------------------------------------
    def bind(self, name: str, value) -> None:
        table = self.attrs if "." in name else self.scopes[-1]
        if self.branching and not isinstance(value, Obj) and name in table and not isinstance(table[name], Obj):
            # Assigned in a branch: either value may hold afterwards.
            value = merge(table[name], value) if table[name] is not None and value is not None else None
        table[name] = value

    def lookup(self, name: str):
        if "." in name:
            if name in self.attrs:
                return self.attrs[name]
            head, _, tail = name.rpartition(".")
            base = self.lookup(head)
            return self._attribute(base, tail, None) if isinstance(base, Obj) else None
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def _lookup_value(self, name: str):
        found = self.lookup(name)
        return None if isinstance(found, Obj) else found

    def fold(self, node):
        return self.folder.fold(node)

    # -- statements --------------------------------------------------------------------
    def run(self, tree: ast.Module) -> None:
        self._constants(tree.body)
        self._body(tree.body)

    def _constants(self, statements) -> None:
        """The module's constants before its code is read: a function defined above
        ``BUCKET = "..."`` runs after it, so it sees the value. A name assigned twice may hold
        either value inside functions."""
        for node in statements:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self._import(alias.name, alias.asname)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in ("os",):
                for alias in node.names:
                    self._import_from(node.module, alias.name, alias.asname or alias.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if len(targets) == 1 and isinstance(targets[0], ast.Name):
                    value = self.fold(node.value)
                    if is_text(value) and value is not UNKNOWN:
                        scope = self.scopes[0]
                        name = targets[0].id
                        scope[name] = merge(scope[name], value) if is_text(scope.get(name)) else value

    def _body(self, statements) -> None:
        for statement in statements:
            self.stmt(statement)

    def stmt(self, node) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                self._import(alias.name, alias.asname)
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                module = self._absolute(node.module or "", node.level)
                if self._import_local(module, alias.name, alias.asname or alias.name):
                    continue
                self._import_from(module if node.level == 0 else "", alias.name, alias.asname or alias.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            pair_target, pair_value = targets[0], node.value
            if len(targets) == 1 and isinstance(pair_target, (ast.Tuple, ast.List)) \
                    and isinstance(pair_value, (ast.Tuple, ast.List)) and _pairs(pair_target, pair_value):
                for item_target, item_value in zip(pair_target.elts, pair_value.elts):
                    self._assign(item_target, item_value, self.ev(item_value))
                return
            value = self.ev(node.value) if node.value is not None else None
            if not isinstance(value, Obj) and isinstance(node, ast.AnnAssign):
                value = self._hinted(node.annotation) or value
            for target in targets:
                self._assign(target, node.value, value)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._function(node)
        elif isinstance(node, ast.ClassDef):
            for decorator in node.decorator_list:
                self.ev(decorator)
            self.scopes.append({})
            self._body(node.body)
            scope = self.scopes.pop()
            for name, value in scope.items():
                if isinstance(value, Obj) or is_text(value):
                    self.attrs.setdefault(f"self.{name}", value)
                    self.attrs.setdefault(f"cls.{name}", value)
            # The class itself: its attributes are read as A.s3, A.Inner.s3.
            self.scopes[-1][node.name] = Obj("module", spec={"scope": scope})
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self._loop(node)
            self.branching += 1
            self._body(node.body)
            self._body(node.orelse)
            self.branching -= 1
        elif isinstance(node, ast.AugAssign):
            self.ev(node.value)
            name = dotted(node.target)
            if name:
                old, new = self.lookup(name), self.fold(node.value)
                added = isinstance(node.op, ast.Add) and is_text(old) and is_text(new)
                table = self.attrs if "." in name else self.scopes[-1]
                table[name] = concat(old, new) if added else None
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                value = self.ev(item.context_expr)
                if item.optional_vars is not None:
                    self._assign(item.optional_vars, item.context_expr, value)
            self._body(node.body)
        else:
            branches = isinstance(node, (ast.If, ast.While, ast.Try)) or type(node).__name__ in ("Match", "TryStar")
            self.branching += branches
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    self.stmt(child)
                elif isinstance(child, ast.expr):
                    self.ev(child)
                elif isinstance(body := getattr(child, "body", None), list):  # except handlers, match cases
                    self._body(body)
            self.branching -= branches

    def _assign(self, target, value_node, value) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._forget(element)
            return
        name = dotted(target)
        if name is None:
            return
        if isinstance(value, Obj):
            self.bind(name, value)
        elif value_node is not None:
            folded = self.fold(value_node)
            self.bind(name, folded if folded is not UNKNOWN else None)

    def _hinted(self, annotation):
        """A client or service resource a type annotation names (mypy_boto3 stubs), or None."""
        if annotation is None:
            return None
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            found = self.lookup(annotation.value.strip())
        else:
            found = self.lookup(dotted(annotation) or "") if dotted(annotation) else None
        if isinstance(found, Obj) and found.kind in ("client_type_hint", "resource_type_hint") \
                and sdk.service(found.service) is not None:
            if found.kind == "client_type_hint":
                return Obj("client", found.service)
            if sdk.resource_model(found.service) is not None:
                return Obj("service_resource", found.service)
        return None

    def _loop(self, node) -> None:
        """``for obj in bucket.objects.all():``: ``obj`` is a resource of the listed type."""
        listed = self.ev(node.iter)
        item = None
        if isinstance(listed, Obj) and listed.kind == "collection" and listed.spec.get("resource", {}).get("type"):
            parent = Obj("resource", listed.service, listed.region, listed.rtype, listed.ids)
            item = self._made_resource(parent, listed.spec["resource"], {})
            prefix = listed.spec.get("params", {}).get("Prefix")
            if listed.service == "s3" and isinstance(prefix, Text) and "Key" in item.ids:
                # S3 lists only keys that begin with the Prefix asked for.
                item.ids["Key"] = concat(prefix, UNKNOWN)
        if item is None:
            # for name in ("orders-dev", "orders-prod"): either value ("orders-*").
            folded = self.fold(node.iter)
            if isinstance(folded, list) and folded and all(is_text(v) for v in folded):
                item = folded[0]
                for value in folded[1:]:
                    item = merge(item, value)
        if isinstance(node.target, ast.Name):
            self.bind(node.target.id, item)

    def _forget(self, target) -> None:
        name = dotted(target)
        if name:
            self.bind(name, None)

    def _function(self, node) -> None:
        for decorator in node.decorator_list:
            self.ev(decorator)
        args = node.args
        scope: dict = {}
        positional = args.posonlyargs + args.args
        defaults = dict(zip([a.arg for a in positional[len(positional) - len(args.defaults):]], args.defaults))
        defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
        for name, default in defaults.items():
            made = self.ev(default)
            if isinstance(made, Obj):
                scope[name] = made  # def f(s3=boto3.client("s3")): a client default is the client used
        # A parameter's value is the caller's: a default text is only one of them, so it is unknown.
        for arg in positional + args.kwonlyargs:
            hinted = self._hinted(arg.annotation)
            if hinted is not None:
                scope[arg.arg] = hinted
            scope.setdefault(arg.arg, None)  # a parameter hides the module's name of the same spelling
        self.scopes.append(scope)
        returned: list = []
        outer, self.branching = self.branching, 0
        for statement in node.body:
            self._function_stmt(statement, returned)
        self.branching = outer
        self.scopes.pop()
        objects = [r for r in returned if isinstance(r, Obj)]
        self.scopes[-1][node.name] = Obj("returns", spec={"obj": objects[0]}) if objects else None

    def _function_stmt(self, statement, returned: list) -> None:
        if isinstance(statement, ast.Return) and statement.value is not None:
            returned.append(self.ev(statement.value))
            return
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.stmt(statement)
            return
        # Returns may be nested in if/try/with/for blocks.
        if isinstance(statement, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try)):
            self.branching += 1
            try:
                self._branch_stmt(statement, returned)
            finally:
                self.branching -= 1
            return
        self._branch_stmt(statement, returned)

    def _branch_stmt(self, statement, returned: list) -> None:
        if isinstance(statement, (ast.If, ast.For, ast.AsyncFor, ast.While)):
            if isinstance(statement, ast.If):
                self.ev(statement.test)
            elif isinstance(statement, ast.While):
                self.ev(statement.test)
            else:
                self._loop(statement)
            for child in statement.body + statement.orelse:
                self._function_stmt(child, returned)
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            for item in statement.items:
                value = self.ev(item.context_expr)
                if item.optional_vars is not None:
                    self._assign(item.optional_vars, item.context_expr, value)
            for child in statement.body:
                self._function_stmt(child, returned)
        elif isinstance(statement, ast.Try):
            for child in statement.body + statement.orelse + statement.finalbody:
                self._function_stmt(child, returned)
            for handler in statement.handlers:
                for child in handler.body:
                    self._function_stmt(child, returned)
        else:
            self.stmt(statement)

    # -- imports -----------------------------------------------------------------------
    def module_scope(self) -> dict:
        return self.scopes[0]

    def _absolute(self, module: str, level: int) -> str:
        """The dotted name a (relative) ``from`` import names."""
        if level == 0:
            return module
        package = self.module.split(".")
        if not self.path.endswith("__init__.py"):
            package = package[:-1]
        base = package[:len(package) - (level - 1)] if level > 1 else package
        return ".".join([*base, module] if module else base)

    def _local(self, module: str) -> dict | None:
        """The scope of one of the program's modules, also when imported under a longer package
        path than the folder it was read from (``app.settings`` for ``settings``)."""
        parts = module.split(".")
        for start in range(len(parts)):
            found = self.local_modules.get(".".join(parts[start:]))
            if found is not None:
                return found
        return None

    def _import_local(self, module: str, name: str, bound: str) -> bool:
        scope = self._local(module) if module else None
        if scope is not None and name in scope:
            self.bind(bound, scope[name])
            return True
        sub = self._local(f"{module}.{name}" if module else name)
        if sub is not None:
            self.bind(bound, Obj("module", spec={"scope": sub}))
            return True
        return scope is not None  # a name the module does not define as a constant: unknown

    def _import(self, module: str, alias: str | None) -> None:
        scope = self._local(module)
        if scope is not None:
            if alias:
                self.bind(alias, Obj("module", spec={"scope": scope}))
            else:
                self.attrs[module] = Obj("module", spec={"scope": scope})
                if "." not in module:
                    self.bind(module, Obj("module", spec={"scope": scope}))
            return
        top = module.split(".")[0]
        if top in ("boto3", "aioboto3"):
            self.bind(alias or top, Obj("boto3"))
        elif top in ("botocore", "aiobotocore"):
            self.bind(alias or top, Obj("botocore") if alias is None or module == top else
                      Obj("botocore.session") if module == f"{top}.session" else None)
        elif module == "os":
            self.modules["os"].add(alias or "os")
        elif module == "os.path":
            self.modules["os"].add("os")

    def _import_from(self, module: str, name: str, bound: str) -> None:
        if module.startswith("mypy_boto3_") or module.startswith("types_aiobotocore_"):
            # Type stubs: `def handler(s3: S3Client)` says what the parameter is.
            service = module.split(".")[0].split("_", 2)[-1].replace("_", "-") if module.startswith("mypy_boto3_") \
                else module.split(".")[0][len("types_aiobotocore_"):].replace("_", "-")
            if name.endswith("ServiceResource"):
                self.bind(bound, Obj("resource_type_hint", service))
            elif name.endswith("Client"):
                self.bind(bound, Obj("client_type_hint", service))
            return
        if module in ("boto3", "aioboto3"):
            kinds = {"client": "client_fn", "resource": "resource_fn", "Session": "session_cls",
                     "session": "boto3.session"}
            if name in kinds:
                self.bind(bound, Obj(kinds[name]))
        elif module in ("boto3.session", "aioboto3.session") and name == "Session":
            self.bind(bound, Obj("session_cls"))
        elif module in ("botocore.session", "aiobotocore.session") and name in ("get_session", "Session", "AioSession"):
            self.bind(bound, Obj("botocore_session_fn"))
        elif module == "botocore" and name == "session":
            self.bind(bound, Obj("botocore.session"))
        elif module == "os" and name in ("environ", "getenv"):
            self.modules[name].add(bound)

    # -- expressions -------------------------------------------------------------------
    def ev(self, node, depth: int = 0):
        """The SDK object an expression stands for (or None), recording every call in it."""
        if depth > MAX_DEPTH:
            if not self._deep_reported:
                self._deep_reported = True
                self.notes.append(f"{self.path}:{getattr(node, 'lineno', 0)}: expressions nested deeper than "
                                  f"{MAX_DEPTH} levels are not read")
            return None
        if isinstance(node, ast.Name):
            return self.lookup(node.id)
        if isinstance(node, ast.Attribute):
            base = self.ev(node.value, depth + 1)
            name = dotted(node)
            if name is not None and name in self.attrs:
                return self.attrs[name]
            if isinstance(base, Obj):
                return self._attribute(base, node.attr, node)
            return None
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        if isinstance(node, ast.Await):
            return self.ev(node.value, depth + 1)
        if isinstance(node, ast.Lambda):
            self.ev(node.body, depth + 1)  # its calls are the program's, whenever it runs
            return None
        if isinstance(node, ast.NamedExpr):
            value = self.ev(node.value, depth + 1)
            self._assign(node.target, node.value, value)
            return value
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.ev(child, depth + 1)
            elif isinstance(child, ast.comprehension):
                self.ev(child.iter, depth + 1)
                for condition in child.ifs:
                    self.ev(condition, depth + 1)
        return None

    def _attribute(self, base: Obj, attr: str, node):
        kind = base.kind
        if kind == "boto3":
            return {"client": Obj("client_fn"), "resource": Obj("resource_fn"), "Session": Obj("session_cls"),
                    "session": Obj("boto3.session")}.get(attr)
        if kind == "boto3.session":
            return Obj("session_cls") if attr == "Session" else None
        if kind == "botocore":
            return Obj("botocore.session") if attr == "session" else None
        if kind == "botocore.session":
            return Obj("botocore_session_fn") if attr in ("get_session", "Session") else None
        if kind == "session":
            if attr in ("client", "create_client"):
                return Obj("client_fn", region=base.region)
            if attr == "resource":
                return Obj("resource_fn", region=base.region)
            return None
        if kind in ("client", "service_resource", "resource") and attr == "meta":
            return Obj("meta", base.service, base.region, base.rtype, base.ids)
        if kind == "meta" and attr == "client":
            return Obj("client", base.service, base.region)
        if kind in ("service_resource", "resource"):
            return self._resource_attribute(base, attr, node)
        if kind == "module":
            return base.spec["scope"].get(attr)
        return None

    def _resource_attribute(self, base: Obj, attr: str, node):
        model = sdk.resource_model(base.service)
        if model is None:
            return None
        definition = model.definition(base.rtype)
        for name, spec in definition.get("hasMany", {}).items():
            if sdk.snake(name) == attr:
                return Obj("collection", base.service, base.region, base.rtype, base.ids, spec)
        if base.rtype is not None and node is not None:
            names = {sdk.snake(i) for i in model.identifiers(base.rtype)} | {"meta", "name"}
            known_methods = {sdk.snake(n) for key in ("actions", "has", "waiters", "batchActions")
                             for n in definition.get(key, {})}
            if attr not in names and attr not in known_methods and definition.get("load"):
                # Reading an attribute of an unloaded resource loads it.
                self._resource_request(base, definition["load"]["request"], node, f"{base.rtype}.{attr} (load)", {})
        return None

    # -- calls ---------------------------------------------------------------------------
    def _call(self, node: ast.Call, depth: int):
        func = node.func
        base = None
        method = None
        if isinstance(func, ast.Attribute):
            base = self.ev(func.value, depth + 1)
            method = func.attr
            target = self.attrs.get(dotted(func) or "") if dotted(func) else None
            callee = target if isinstance(target, Obj) else (
                self._attribute(base, method, None) if isinstance(base, Obj) else None)
        else:
            callee = self.ev(func, depth + 1)
        for arg in node.args:
            self.ev(arg.value if isinstance(arg, ast.Starred) else arg, depth + 1)
        for keyword in node.keywords:
            self.ev(keyword.value, depth + 1)
        if isinstance(callee, Obj):
            made = self._construct(callee, node)
            if made is not None or callee.kind in ("client_fn", "resource_fn", "session_cls", "botocore_session_fn"):
                return made
        if isinstance(base, Obj) and method is not None:
            return self._method(base, method, node)
        return None

    def _kwargs(self, node: ast.Call) -> tuple[dict, bool]:
        params, open_params = {}, False
        for keyword in node.keywords:
            if keyword.arg is None:
                spread = self.fold(keyword.value)
                if isinstance(spread, dict):
                    params.update(spread)
                else:
                    open_params = True
            else:
                params[keyword.arg] = self.fold(keyword.value)
        return params, open_params

    def _argument(self, node: ast.Call, position: int, name: str):
        if position < len(node.args) and not any(isinstance(a, ast.Starred) for a in node.args[:position + 1]):
            return self.fold(node.args[position])
        for keyword in node.keywords:
            if keyword.arg == name:
                return self.fold(keyword.value)
        return None

    def _construct(self, callee: Obj, node: ast.Call):
        kind = callee.kind
        if kind == "returns":
            return callee.spec.get("obj")
        if kind == "session_cls":
            return Obj("session", region=self._argument(node, 3, "region_name"))
        if kind == "botocore_session_fn":
            return Obj("session")
        if kind in ("client_fn", "resource_fn"):
            service = literal(self._argument(node, 0, "service_name"))
            region = self._argument(node, 1, "region_name") or callee.region
            if service is None:
                self.unknown.append(Unknown(self.path, node.lineno, "", "boto3." + kind[:-3],
                                            "the service name is not a literal or constant"))
                return None
            if sdk.service(service) is None:
                self.unknown.append(Unknown(self.path, node.lineno, service, "boto3." + kind[:-3],
                                            f"botocore has no service named {service!r}"))
                return None
            if kind == "client_fn":
                return Obj("client", service, region)
            if sdk.resource_model(service) is None:
                self.unknown.append(Unknown(self.path, node.lineno, service, "boto3.resource",
                                            f"boto3 has no resource model for {service!r}"))
                return None
            return Obj("service_resource", service, region)
        return None

    def _method(self, base: Obj, method: str, node: ast.Call):
        kind = base.kind
        if kind == "client":
            return self._client_method(base, method, node)
        if kind == "paginator" and method == "paginate":
            params, open_params = self._kwargs(node)
            self._record(base, base.op, params, node, f"paginator {sdk.snake(base.op)}", open_params)
            return None
        if kind == "waiter" and method == "wait":
            params, open_params = self._kwargs(node)
            self._record(base, base.op, params, node, f"waiter for {sdk.snake(base.op)}", open_params)
            return None
        if kind in ("service_resource", "resource"):
            return self._resource_method(base, method, node)
        if kind == "collection":
            return self._collection_method(base, method, node)
        return None

    def _client_method(self, client: Obj, method: str, node: ast.Call):
        model = sdk.service(client.service)
        if model is None:  # clients are made only for services botocore models
            return None
        if method in ("get_paginator", "get_waiter"):
            name = literal(self._argument(node, 0, "operation_name" if method == "get_paginator" else "waiter_name"))
            table = model.paginators if method == "get_paginator" else model.waiters
            if name is None:
                self.unknown.append(Unknown(self.path, node.lineno, client.service, method,
                                            "the name is not a literal or constant"))
                return None
            op = table.get(name)
            if not op:
                self.unknown.append(Unknown(self.path, node.lineno, client.service, f"{method}({name!r})",
                                            "botocore's model has no such " + method[4:]))
                return None
            return Obj(method[4:], client.service, client.region, op=op)
        operation = model.operation(method) or self.helpers.sdk_operation(client.service, method)
        if operation is not None:
            params, open_params = self._kwargs(node)
            self._record(client, operation, params, node, f"{method}", open_params)
            return None
        helper = self.helpers.get(client.service, "client", method)
        if helper is not None:
            self._helper(client, helper, node, {}, method)
            return None
        if method not in _CLIENT_LOCAL:
            self.unknown.append(Unknown(self.path, node.lineno, client.service, method,
                                        "not an API operation of botocore's model, nor a known SDK helper"))
        return None

    def _resource_method(self, res: Obj, method: str, node: ast.Call):
        model = sdk.resource_model(res.service)
        if model is None:  # resources are made only for services boto3 models
            return None
        definition = model.definition(res.rtype)
        where = res.rtype or res.service
        for name, spec in definition.get("has", {}).items():
            if sdk.snake(name) == method or name == method:
                return self._subresource(res, spec["resource"], node)
        for name, spec in definition.get("actions", {}).items():
            if sdk.snake(name) == method:
                params, open_params = self._kwargs(node)
                self._resource_request(res, spec["request"], node, f"{where}.{method}", params, open_params)
                made = spec.get("resource", {}).get("type")
                return self._made_resource(res, spec["resource"], params) if made else None
        for name, spec in definition.get("waiters", {}).items():
            if f"wait_until_{sdk.snake(name)}" == method:
                client_model = sdk.service(res.service)
                waiter = client_model.waiters.get(sdk.snake(spec["waiterName"])) if client_model else None
                if waiter:
                    params, open_params = self._kwargs(node)
                    params.update(self._identifier_params(res, spec.get("params", [])))
                    self._record(res, waiter, params, node, f"{where}.{method}", open_params)
                return None
        if method in ("load", "reload") and definition.get("load"):
            self._resource_request(res, definition["load"]["request"], node, f"{where}.{method}", {})
            return None
        if res.rtype is not None:
            helper = self.helpers.get(res.service, res.rtype, method)
            if helper is not None:
                ids = self._identifier_params(res, _all_identifier_params(model, res.rtype))
                self._helper(res, helper, node, ids, f"{where}.{method}")
                return None
        if method in ("get_available_subresources",):
            return None
        self.unknown.append(Unknown(self.path, node.lineno, res.service, f"{where}.{method}",
                                    "not an action, collection, waiter or sub-resource of boto3's resource model"))
        return None

    def _subresource(self, parent: Obj, spec: dict, node: ast.Call) -> Obj:
        ids = {}
        position = 0
        for identifier in spec.get("identifiers", []):
            target = identifier["target"]
            if identifier.get("source") == "input":
                value = self._argument(node, position, sdk.snake(target))
                if value is None:
                    value = self._argument(node, 99, target)
                ids[target] = value if value is not None else UNKNOWN
                position += 1
            elif identifier.get("source") == "identifier":
                ids[target] = parent.ids.get(identifier.get("name"), UNKNOWN)
        return Obj("resource", parent.service, parent.region, spec["type"], ids)

    def _identifier_params(self, res: Obj, param_specs: list) -> dict:
        params = {}
        for spec in param_specs:
            if spec.get("source") == "identifier":
                target = spec["target"].split(".")[0].split("[")[0]
                value = res.ids.get(spec.get("name"), UNKNOWN)
                if target != spec["target"]:
                    params[spec["target"]] = value
                else:
                    params[target] = value
        return params

    def _resource_request(self, res: Obj, request: dict, node, via: str, params: dict,
                          open_params: bool = False) -> None:
        params = dict(params)
        params.update(self._identifier_params(res, request.get("params", [])))
        for key, value in res.spec.get("params", {}).items():
            # What the request that made the resource named (get_queue_by_name's QueueName).
            params.setdefault(key, value)
        self._record(res, request["operation"], params, node, via, open_params)

    def _made_resource(self, parent: Obj, spec: dict, params: dict) -> Obj:
        """The resource an action or a listing returns: identifiers from the parent and the
        request where the model says so, unknown where they come from the response."""
        ids = {}
        for identifier in spec.get("identifiers", []):
            source = identifier.get("source")
            if source == "identifier":
                ids[identifier["target"]] = parent.ids.get(identifier.get("name"), UNKNOWN)
            elif source == "requestParameter":
                ids[identifier["target"]] = params.get(identifier.get("path", ""), UNKNOWN)
            else:
                ids[identifier["target"]] = UNKNOWN
        known = {k: v for k, v in params.items() if isinstance(v, (Text, Choice, dict, list)) and k not in ids}
        return Obj("resource", parent.service, parent.region, spec.get("type"), ids, {"params": known})

    def _collection_method(self, coll: Obj, method: str, node: ast.Call):
        spec = coll.spec
        request = spec.get("request")
        if method in _COLLECTION_CALLS and request:
            params, open_params = self._kwargs(node) if method == "filter" else ({}, False)
            parent = Obj("resource", coll.service, coll.region, coll.rtype, coll.ids)
            self._resource_request(parent, request, node, f"{coll.rtype or coll.service} collection .{method}()",
                                   params, open_params)
            # Chained calls (.filter().limit()) are the same request: counted once.
            return Obj("collection", coll.service, coll.region, coll.rtype, coll.ids,
                       {"resource": spec.get("resource", {}), "params": params})
        if method in _COLLECTION_CALLS:
            return coll
        model = sdk.resource_model(coll.service)
        target = spec.get("resource", {}).get("type")
        batch = model.definition(target).get("batchActions", {}) if target and model is not None else {}
        for name, action in batch.items():
            if sdk.snake(name) == method:
                parent = Obj("resource", coll.service, coll.region, coll.rtype, coll.ids)
                params = {}
                for p in action["request"].get("params", []):
                    if p.get("source") == "identifier":
                        # The batch's identifiers come from the parent, or from the listed items.
                        params[p["target"]] = coll.ids.get(p.get("name"), UNKNOWN)
                if request:
                    self._resource_request(parent, request, node, f"{coll.rtype} collection (listing)", {})
                self._record(parent, action["request"]["operation"], params, node, f"{target} batch .{method}()", False)
                return None
        return None

    def _helper(self, owner: Obj, helper: dict, node: ast.Call, ids: dict, via: str) -> None:
        params = dict(ids)
        for position, name in enumerate(helper.get("params", [])):
            value = self._argument(node, position, name)
            if value is not None:
                params[name] = value
        extra, open_params = self._kwargs(node)
        for key, value in extra.items():
            params.setdefault(key, value)
        operations = helper["operations"]
        if helper.get("params-from"):
            inner = params.get(helper["params-from"])
            method = literal(params.get("ClientMethod", UNKNOWN))
            owner_model = sdk.service(owner.service)
            operation = owner_model.operation(method) if method and owner_model else None
            if operation is None:
                self.unknown.append(Unknown(self.path, node.lineno, owner.service, via,
                                            "the client method it signs is not a literal API method name"))
                return
            operations = [operation]
            params = inner if isinstance(inner, dict) else {}
            open_params = open_params or not isinstance(inner, dict)
        for operation in operations:
            call_params = params
            if helper.get("head-on") and operation == "HeadObject":
                call_params = _copy_source(params.get("CopySource", UNKNOWN))
            self._record(owner, operation, call_params, node, f"{via} (SDK helper)", open_params)

    def _record(self, owner: Obj, operation: str, params: dict, node, via: str, open_params: bool) -> None:
        self.calls.append(Call(self.path, node.lineno, owner.service, operation, params, owner.region, via,
                               open_params))


def _copy_source(value) -> dict:
    """The Bucket and Key of a copy's source: {"Bucket": ..., "Key": ...} or "bucket/key"."""
    if isinstance(value, dict):
        return {"Bucket": value.get("Bucket", UNKNOWN), "Key": value.get("Key", UNKNOWN)}
    if isinstance(value, Text) and value.pieces and isinstance(value.pieces[0], str):
        head = value.pieces[0].lstrip("/")
        if "/" in head:
            bucket, _, rest = head.partition("/")
            return {"Bucket": Text((bucket,)), "Key": Text((rest,) + value.pieces[1:])}
    return {"Bucket": UNKNOWN, "Key": UNKNOWN}


def _pairs(target, value) -> bool:
    """``a, b = x, y``: each name gets its own value."""
    return isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) \
        and len(target.elts) == len(value.elts) \
        and not any(isinstance(e, ast.Starred) for e in target.elts + value.elts)


def _all_identifier_params(model, rtype: str) -> list:
    """The (identifier -> request parameter) pairs any action of a resource type uses."""
    definition = model.definition(rtype)
    found: dict = {}
    for key in ("load",):
        for spec in definition.get(key, {}).get("request", {}).get("params", []):
            found.setdefault(spec["target"], spec)
    for action in definition.get("actions", {}).values():
        for spec in action.get("request", {}).get("params", []):
            if spec.get("source") == "identifier" and "." not in spec["target"]:
                found.setdefault(spec["target"], spec)
    return list(found.values())
