"""policy_tf: least-privilege AWS IAM policies for Terraform users.

The public API is loaded lazily (PEP 562), so ``import policy_tf`` costs next to nothing; type
checkers and IDEs read the same names from the ``TYPE_CHECKING`` block below.

Writing policies:

- ``write_policy(template, db=None, warnings=None) -> dict``: a template (dict or parsed) -> policy
  document; the ``Diagnostic`` records of writing it are appended to ``warnings`` when given.
- ``generate(template, minimize=None, fit=None, db=None) -> Generated``: write, then minimize and fit.
- ``load_templates(path) -> list[Template]`` (``None``: standard input) / ``parse_template(data, source)
  -> Template``: read policy_sentry-format templates.
- ``minimize_policy(policy, min_chars=0, db=None) -> dict``: shorten actions to safe prefix wildcards.
- ``fit_policy(policy, target, minimize_chars=0, db=None) -> FitResult``: fit AWS's size limits.
- ``Diagnostic``: what writing tells its caller (``kind``, ``where``, ``message``, ``hint``).

The IAM database:

- ``open_database() -> Database``: the database in use (``$POLICY_TF_DATABASE``, local, or bundled).
- ``build_database(folder, dest, *, source_format="auto", overrides=(), baseline=None, allow_loss=False,
  source_label=None, data_date=None, carry_from=None, carry_date=None) -> BuildReport``: build one.
- ``resource_types_for_arn(arn, db=None) -> list[str]``: the ``service:resource-type`` names an ARN matches.
- ``query``: the query functions (``action_names``, ``action_details``, ``arn_table``, ...).

Analysis:

- ``check_policy(policy_input, db=None, checks=None) -> list[Finding]``: validity and risk findings.
- ``audit(paths, *, checks=None, exclusions=(), new_only=False, db=None) -> AuditResult``: ``policy_tf audit``.
- ``templates_from_cloudtrail(location, *, principals=(), since="", until="", mode="crud", progress=True,
  workers=0, db=None)``: templates from CloudTrail logs.
- ``templates_from_code(paths, options=None, db=None)``: templates from the AWS calls of Python programs.
- ``explain_denied(message, db=None)``: an AccessDenied message -> what blocks it and the template change.
- ``diff_access(old, new=None, db=None)``: the access ``new`` grants that ``old`` does not, and back (a plan
  alone: its prior state).
- ``PolicyInput`` (a policy to analyze) and ``Finding`` (one finding).

Errors: ``PolicyTfError``, and ``InputError`` for bad input (the CLI's exit 2).
"""
from __future__ import annotations

# name -> (module, attribute); attribute None means the module itself.
# The TYPE_CHECKING block below mirrors this map (a test holds them equal).
_PUBLIC = {
    "write_policy": ("policy_tf.writing.pipeline", "write_policy"),
    "generate": ("policy_tf.writing.finish", "generate"),
    "load_templates": ("policy_tf.writing.template", "load"),
    "parse_template": ("policy_tf.writing.template", "parse"),
    "minimize_policy": ("policy_tf.writing.minimize", "minimize_policy"),
    "fit_policy": ("policy_tf.writing.fit", "fit_policy"),
    "resource_types_for_arn": ("policy_tf.iamdb.catalog", "resource_types_for_arn"),
    "build_database": ("policy_tf.iamdb.initialize", "build_from_folder"),
    "open_database": ("policy_tf.iamdb.database", "get"),
    "query": ("policy_tf.iamdb.query", None),
    "check_policy": ("policy_tf.analysis.checks", "check_policy"),
    "templates_from_cloudtrail": ("policy_tf.sources.cloudtrail.generate", "generate"),
    "templates_from_code": ("policy_tf.sources.code.generate", "generate"),
    "explain_denied": ("policy_tf.sources.denied.explain", "explain_message"),
    "audit": ("policy_tf.analysis.audit", "audit"),
    "PolicyInput": ("policy_tf.analysis.model", "PolicyInput"),
    "Finding": ("policy_tf.analysis.model", "Finding"),
    "Diagnostic": ("policy_tf.core.diagnostics", "Diagnostic"),
    "diff_access": ("policy_tf.analysis.access_changes", "diff_paths"),
    "PolicyTfError": ("policy_tf.core.errors", "PolicyTfError"),
    "InputError": ("policy_tf.core.errors", "InputError"),
}

__all__ = [
    "__version__",
    "write_policy",
    "generate",
    "load_templates",
    "parse_template",
    "minimize_policy",
    "fit_policy",
    "resource_types_for_arn",
    "build_database",
    "open_database",
    "query",
    "check_policy",
    "templates_from_cloudtrail",
    "templates_from_code",
    "explain_denied",
    "audit",
    "diff_access",
    "PolicyInput",
    "Finding",
    "Diagnostic",
    "PolicyTfError",
    "InputError",
]

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from policy_tf.analysis.access_changes import diff_paths as diff_access
    from policy_tf.analysis.audit import audit as audit
    from policy_tf.analysis.checks import check_policy as check_policy
    from policy_tf.analysis.model import Finding as Finding
    from policy_tf.analysis.model import PolicyInput as PolicyInput
    from policy_tf.core.diagnostics import Diagnostic as Diagnostic
    from policy_tf.core.errors import InputError as InputError
    from policy_tf.core.errors import PolicyTfError as PolicyTfError
    from policy_tf.iamdb import query as query
    from policy_tf.iamdb.catalog import resource_types_for_arn as resource_types_for_arn
    from policy_tf.iamdb.database import get as open_database
    from policy_tf.iamdb.initialize import build_from_folder as build_database
    from policy_tf.sources.cloudtrail.generate import generate as templates_from_cloudtrail
    from policy_tf.sources.code.generate import generate as templates_from_code
    from policy_tf.sources.denied.explain import explain_message as explain_denied
    from policy_tf.writing.finish import generate as generate
    from policy_tf.writing.fit import fit_policy as fit_policy
    from policy_tf.writing.minimize import minimize_policy as minimize_policy
    from policy_tf.writing.pipeline import write_policy as write_policy
    from policy_tf.writing.template import load as load_templates
    from policy_tf.writing.template import parse as parse_template


def _version() -> str:
    """The version setuptools-scm wrote at install time, from the git tags."""
    try:
        from policy_tf._version import __version__ as version
    except ImportError:  # a source tree that was never installed
        version = "0+unknown"
    return version


def __getattr__(name: str) -> object:
    if name == "__version__":  # loaded on first use, like the rest: `import policy_tf` stays bare
        globals()["__version__"] = value = _version()
        return value
    try:
        module_name, attribute = _PUBLIC[name]
    except KeyError:
        raise AttributeError(f"module 'policy_tf' has no attribute {name!r}") from None
    import importlib

    module = importlib.import_module(module_name)
    public = module if attribute is None else getattr(module, attribute)
    globals()[name] = public
    return public


def __dir__() -> list[str]:
    return sorted(__all__)
