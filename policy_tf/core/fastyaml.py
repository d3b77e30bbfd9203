"""A fast path for the YAML that templates are made of, giving exactly PyYAML's values.

Importing PyYAML costs about 15-20 ms of a cold ``write-policy`` (its reader and resolver
compile regexes at import); yaml_rs (a Rust YAML parser) loads in about 4 ms. But yaml_rs
reads YAML 1.2 and PyYAML YAML 1.1, which differ: ``yes``/``on`` are booleans in 1.1 and
strings in 1.2, ``010`` is 8 or 10, ``1e3`` a string or a float, ``<<`` merges in 1.1 only,
and yaml_rs ignores unknown tags where ``safe_load`` refuses them. So yaml_rs answers only
when its result provably equals PyYAML's; anything else returns ``UNSURE`` and the caller
parses with PyYAML, which stays the reference (and gives the error messages):

* the text has none of the constructs where the two differ or that yaml_rs handles
  differently: tags (``!``), anchors (``&``), block scalars (``|``, ``>``: they keep an
  empty line differently), ``?`` (PyYAML ends a plain scalar there in flow context), a
  ``:`` that starts or ends a flow item and flow collections over several lines (PyYAML
  refuses some that yaml_rs reads), directives and document markers, tabs,
  characters PyYAML refuses or reads as line breaks, deep indentation (yaml_rs crashes on
  very deep nesting instead of failing);
* the result holds only strings, booleans and nulls (no numbers or dates, whose source
  spelling may mean something else in 1.1), keys are strings, and no string is one that
  YAML 1.1 would have resolved to another type had it been written plain (unless yaml_rs
  would have too, which proves it was quoted).
"""
from __future__ import annotations

import re

UNSURE = object()
# Any of these in the text: let PyYAML decide (see the module docstring).
_DIFFERS = re.compile(
    r"[!&|>?\t\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]"
    r"|<<|:[,\]}]|[\[{,]\s*:|[\[{][^\n\]}]*$|^(?:%|---|\.\.\.)|^[ -]{100}",
    re.MULTILINE,
)
# Plain scalars YAML 1.1 resolves to something other than a string (over-inclusive on purpose).
_TYPED_IN_11 = re.compile(r"[-+.0-9~=<]|(?:y|yes|n|no|true|false|on|off|null)\Z", re.IGNORECASE)
# Spellings yaml_rs always resolves when plain (tested in tests/core/test_fastyaml.py): a string
# spelt so must have been quoted (or a block scalar), and PyYAML keeps those as strings too.
_QUOTED_IF_STRING = re.compile(r"[-+]?[0-9]+|true|True|TRUE|false|False|FALSE|null|Null|NULL|~|")
_parse = None


def loads(text: str):
    """The data PyYAML's safe loader would give, or ``UNSURE``."""
    if _DIFFERS.search(text):
        return UNSURE
    parse = _parser()
    if parse is None:
        return UNSURE
    try:
        data = parse(text)
    except Exception:  # noqa: BLE001 - any failure: PyYAML parses it again and reports it
        return UNSURE
    return data if _plain(data) else UNSURE


def _plain(data) -> bool:
    """Only containers, strings that 1.1 reads as strings too, booleans and nulls."""
    stack = [data]
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is str:
            if _TYPED_IN_11.match(value) and not _QUOTED_IF_STRING.fullmatch(value):
                return False
        elif kind is dict:
            for key in value:
                if type(key) is not str or (_TYPED_IN_11.match(key) and not _QUOTED_IF_STRING.fullmatch(key)):
                    return False
            stack.extend(value.values())
        elif kind is list:
            stack.extend(value)
        elif value is not None and kind is not bool:
            return False
    return True


def _parser():
    """yaml_rs's parse function, or None when yaml_rs is not installed or its API has changed."""
    global _parse
    if _parse is None:
        _parse = _load_parser() or False
    return _parse or None


def _load_parser():
    return _native_parser() or _public_parser()


def _public_parser():
    # yaml_rs's public ``loads``. Any other shape of yaml_rs is not trusted: PyYAML parses
    # instead, and tests/core/test_fastyaml.py fails so that the change is seen.
    try:
        import yaml_rs

        loads = yaml_rs.loads
        policy = yaml_rs.DuplicateKeyPolicy.Error
    except (ImportError, AttributeError):
        return None
    return lambda text: loads(text, parse_datetime=True, alias_limits=None, duplicate_key_policy=policy)


def _native_parser_for_tests():
    """The compiled parser even when yaml_rs is already imported (tests compare it with the public one)."""
    return _native_parser(even_if_imported=True)


def _native_parser(even_if_imported: bool = False):
    """yaml_rs's compiled ``_loads``, loaded without its Python wrapper.

    ``yaml_rs/__init__.py`` imports ``pathlib``, ``typing`` and ``enum`` for its own file and
    type-hint helpers: about 6 ms of a cold ``write-policy``, more than the parser itself. The
    wrapper's ``loads`` only checks that its argument is a ``str`` (so do we: ``text`` always is)
    and passes it on to the compiled ``_loads``, which is loaded here under its own name. It
    must answer a probe exactly as ``loads`` does (a duplicate key refused, a mapping read),
    else None: the public path then serves (tests/core/test_fastyaml.py holds both equal).
    """
    import sys

    if "yaml_rs" in sys.modules and not even_if_imported:  # already imported: nothing to save
        return None
    try:
        import os
        from importlib.machinery import EXTENSION_SUFFIXES, ExtensionFileLoader, ModuleSpec, PathFinder

        found = PathFinder.find_spec("yaml_rs")
        folders = list(found.submodule_search_locations or ()) if found is not None else []
        paths = [os.path.join(folder, "_yaml_rs" + suffix) for folder in folders for suffix in EXTENSION_SUFFIXES]
        path = next((p for p in paths if os.path.isfile(p)), None)
        if path is None:
            return None
        name = "yaml_rs._yaml_rs"
        module = sys.modules.get(name)
        if module is None:
            loader = ExtensionFileLoader(name, path)
            module = loader.create_module(ModuleSpec(name, loader, origin=path))
            loader.exec_module(module)
            # Registered, so that a later `import yaml_rs` reuses it (an extension built with
            # PyO3 may be initialised only once per process).
            sys.modules[name] = module
        native = module._loads
    except (ImportError, AttributeError, OSError):
        return None

    def parse(text: str):
        return native(text, parse_datetime=True, alias_limits=None, duplicate_key_policy="error")

    try:
        if parse("k: [a, b]\n") != {"k": ["a", "b"]}:
            return None
    except Exception:  # noqa: BLE001 - a changed API: the public path serves
        return None
    try:
        parse("k: 1\nk: 2\n")
    except Exception:  # noqa: BLE001 - refused, as the public loads refuses it (DuplicateKeyPolicy.Error)
        return parse
    return None  # a duplicate key accepted: not the policy templates are read with
