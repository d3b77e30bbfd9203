"""The shape of a Terraform plan JSON, checked at the boundary: the reader behind it sees only
the types it expects.

``terraform show -json`` is generated, but a plan file is still a file a user hands us: it
may be edited, truncated, produced by another tool, or crafted. Each part is checked here:

* the plan's frame (``planned_values``, ``prior_state``, ``configuration``, modules and their
  ``resources`` and ``child_modules``) must have the documented types, else ``PlanShapeError``
  names the field and the plan is not read (the audit reports it as a MALFORMED_POLICY
  finding and goes on); modules nested beyond ``MAX_MODULE_DEPTH`` are refused as hostile
  (an InputError, as JSON nested too deeply is);
* each resource is checked on its own: one with a wrong type (an address that is not a
  string, ``values`` that is not an object) or whose values nest more than
  ``safeload.MAX_DEPTH`` levels deep (a WAF rule can) is skipped and reported as not
  analyzed, and every other resource of the plan is still read;
* ``after_unknown: true`` (the whole resource unknown) becomes "every attribute unknown".
"""
from __future__ import annotations

from policy_tf.core.errors import InputError

MAX_MODULE_DEPTH = 64  # nested child modules; Terraform itself has no configuration this deep


class PlanShapeError(InputError):
    """A plan JSON whose frame is not the shape ``terraform show -json`` writes: malformed input."""


class PlanShape:
    """A checked copy of a plan's frame, with the resources that were skipped and why."""

    def __init__(self, path: str):
        self.path = path
        self.skipped: list = []  # (address or "resource N", reason)

    def _tree(self, module, where: str, what: str, visit) -> dict:
        """Walk a module tree without recursion, each module checked to be an object:
        ``visit(module, place, target)`` fills ``target`` and returns the (child, place, target)
        to walk next."""
        out: dict = {}
        stack = [(module, where, out, 0)]
        while stack:
            value, place, target, depth = stack.pop()
            if value is None:
                continue
            if not isinstance(value, dict):
                raise PlanShapeError(f"{self.path}: {place}: expected an object, got {_type(value)}")
            if depth > MAX_MODULE_DEPTH:
                raise InputError(f"{self.path}: {place}: {what} nest more than {MAX_MODULE_DEPTH} levels deep")
            stack.extend((child, at, inner, depth + 1) for child, at, inner in visit(value, place, target))
        return out

    def module(self, module, where: str) -> dict:
        """A module of planned_values/prior_state: resources (checked one by one) and child modules."""
        def visit(value: dict, place: str, target: dict) -> list:
            target.update(resources=[], child_modules=[])
            for n, resource in enumerate(_list(value.get("resources"), f"{self.path}: {place}.resources")):
                found = self.resource(resource, f"{place}.resources[{n}]")
                if found is not None:
                    target["resources"].append(found)
            children = []
            for n, child in enumerate(_list(value.get("child_modules"), f"{self.path}: {place}.child_modules")):
                inner: dict = {"resources": [], "child_modules": []}
                target["child_modules"].append(inner)
                children.append((child, f"{place}.child_modules[{n}]", inner))
            return children

        return self._tree(module, where, "child modules", visit) or {"resources": [], "child_modules": []}

    def resource(self, resource, place: str) -> dict | None:
        """The resource if its shape is one the reader can use, else None (and why, in ``skipped``)."""
        from policy_tf.core.safeload import MAX_DEPTH, nesting_exceeds

        if not isinstance(resource, dict):
            self.skipped.append((place, f"expected a resource object, got {_type(resource)}"))
            return None
        address = resource.get("address")
        name = address if isinstance(address, str) and address else place
        for key in ("address", "type"):
            if not isinstance(resource.get(key), str) or not resource.get(key):
                self.skipped.append((name, f"{key}: expected a non-empty string, got {_type(resource.get(key))}"))
                return None
        if resource.get("mode", "managed") not in ("managed", "data"):
            self.skipped.append((name, f"mode: expected managed or data, got {resource.get('mode')!r}"))
            return None
        values = resource.get("values")
        if values is None:
            values = {}
        if not isinstance(values, dict):
            self.skipped.append((name, f"values: expected an object, got {_type(values)}"))
            return None
        if nesting_exceeds(values, MAX_DEPTH):
            self.skipped.append((name, f"its values nest more than {MAX_DEPTH} levels deep; skipped"))
            return None
        return {**resource, "values": values}

    def unknown(self, changes) -> dict:
        """address -> after_unknown (an object; ``true`` becomes every attribute unknown)."""
        from policy_tf.core.safeload import MAX_DEPTH, nesting_exceeds

        out: dict = {}
        for rc in _list(changes, f"{self.path}: resource_changes"):
            if not isinstance(rc, dict) or not isinstance(rc.get("address"), str):
                continue
            change = rc.get("change")
            after = change.get("after_unknown") if isinstance(change, dict) else None
            if after is True:
                out[rc["address"]] = ALL_UNKNOWN
            elif isinstance(after, dict) and not nesting_exceeds(after, MAX_DEPTH):
                out[rc["address"]] = after
            else:
                out[rc["address"]] = {}
        return out

    def configuration(self, configuration) -> dict:
        """The configuration's module tree: module_calls (source, module) and resources' expressions."""
        if configuration is None:
            return {}
        if not isinstance(configuration, dict):
            raise PlanShapeError(f"{self.path}: configuration: expected an object, got {_type(configuration)}")
        return {"root_module": self._config_module(configuration.get("root_module"), "configuration.root_module")}

    def _config_module(self, module, where: str) -> dict:
        from policy_tf.core.safeload import MAX_DEPTH, nesting_exceeds

        def visit(value: dict, place: str, target: dict) -> list:
            target.update(resources=[], module_calls={})
            for resource in _list(value.get("resources"), f"{self.path}: {place}.resources"):
                if isinstance(resource, dict) and isinstance(resource.get("address"), str):
                    expressions = resource.get("expressions")
                    if not isinstance(expressions, dict) or nesting_exceeds(expressions, MAX_DEPTH):
                        expressions = {}  # used only to find references: without them, less is placed
                    target["resources"].append({"address": resource["address"], "expressions": expressions})
            calls = value.get("module_calls")
            if calls is None:
                return []
            if not isinstance(calls, dict):
                raise PlanShapeError(f"{self.path}: {place}.module_calls: expected an object, got {_type(calls)}")
            children = []
            for name, call in calls.items():
                if not isinstance(call, dict):
                    raise PlanShapeError(f"{self.path}: {place}.module_calls.{name}: expected an object, "
                                         f"got {_type(call)}")
                source = call.get("source")
                inner: dict = {"resources": [], "module_calls": {}}
                target["module_calls"][name] = {"source": source if isinstance(source, str) else "", "module": inner}
                children.append((call.get("module"), f"{place}.module_calls.{name}.module", inner))
            return children

        return self._tree(module, where, "module calls", visit) or {"resources": [], "module_calls": {}}


class _AllUnknown(dict):
    """``after_unknown: true``: every attribute asked for is unknown."""

    def get(self, key, default=None):
        return True

    def __contains__(self, key) -> bool:
        return True

    def items(self):
        return ()


ALL_UNKNOWN = _AllUnknown()


def checked(plan: dict, path: str) -> tuple:
    """(root module of planned_values or of a state's values, prior_state's root module,
    configuration, address -> after_unknown, skipped resources) of a plan, shapes checked."""
    shape = PlanShape(path)
    planned = _object(plan.get("planned_values"), f"{path}: planned_values")
    state_values = _object(plan.get("values"), f"{path}: values")
    prior = _object(plan.get("prior_state"), f"{path}: prior_state")
    prior_values = _object(prior.get("values"), f"{path}: prior_state.values")
    if "planned_values" not in plan and "values" in plan:
        root = shape.module(state_values.get("root_module"), "values.root_module")
    else:
        root = shape.module(planned.get("root_module"), "planned_values.root_module")
    prior_root = shape.module(prior_values.get("root_module"), "prior_state.values.root_module")
    configuration = shape.configuration(plan.get("configuration"))
    unknown = shape.unknown(plan.get("resource_changes"))
    return root, prior_root, configuration, unknown, shape.skipped


def _object(value, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PlanShapeError(f"{where}: expected an object, got {_type(value)}")
    return value


def _list(value, where: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PlanShapeError(f"{where}: expected a list, got {_type(value)}")
    return value


def _type(value) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)
