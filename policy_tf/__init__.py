"""policy_tf: least-privilege AWS IAM policies for Terraform users.

The public API is loaded lazily (PEP 562), so ``import policy_tf`` costs next to nothing:

- ``write_policy(template, db=None)``: a template (dict or parsed) -> policy document.
- ``generate(template, minimize=None, fit=None, db=None)``: write, then minimize and fit.
- ``load_templates(path)`` / ``parse_template(data, source)``: read policy_sentry-format templates.
- ``minimize_policy(policy, min_chars=0, db=None)``: shorten actions to safe prefix wildcards.
- ``fit_policy(policy, target, minimize_chars=0, db=None)``: fit AWS's size limits.
- ``resource_types_for_arn(arn, db=None)``: the (service, resource type) pairs an ARN matches.
- ``build_database(docs_dir, output, ...)``: build an IAM database from a documentation folder.
- ``query``: the query functions (``action_names``, ``action_details``, ``arn_table``, ...).
- ``open_database(path=None)``: the database in use (bundled, local, or ``$POLICY_TF_DATABASE``).
- ``check_policy(policy_input, db=None, checks=None)``: validity and risk findings for one policy.
- ``templates_from_cloudtrail(location, principals=(), since="", until="", mode="crud")``: templates from CloudTrail logs.
- ``templates_from_code(paths, options=None, db=None)``: templates from the AWS calls of Python programs.
- ``explain_denied(message, db=None)``: an AccessDenied message -> what blocks it and the template change.
- ``diff_access(old, new=None, db=None)``: the access ``new`` grants that ``old`` does not, and back (a plan alone: its prior state).
"""
from __future__ import annotations


# name -> (module, attribute); attribute None means the module itself.
_PUBLIC = {
    "write_policy": ("policy_tf.writing.writer", "write_policy"),
    "generate": ("policy_tf.writing.generate", "generate"),
    "load_templates": ("policy_tf.writing.template", "load"),
    "parse_template": ("policy_tf.writing.template", "parse"),
    "minimize_policy": ("policy_tf.writing.minimize", "minimize_policy"),
    "fit_policy": ("policy_tf.writing.fit", "fit_policy"),
    "resource_types_for_arn": ("policy_tf.iamdb.catalog", "resource_types_for_arn"),
    "build_database": ("policy_tf.iamdb.initialize", "build_from_folder"),
    "open_database": ("policy_tf.iamdb.database", "get"),
    "query": ("policy_tf.iamdb.query", None),
    "check_policy": ("policy_tf.analysis.checks", "check_policy"),
    "templates_from_cloudtrail": ("policy_tf.aws.cloudtrail.generate", "generate"),
    "templates_from_code": ("policy_tf.fromcode.generate", "generate"),
    "explain_denied": ("policy_tf.denied.explain", "explain_message"),
    "audit": ("policy_tf.analysis.audit", "audit"),
    "diff_access": ("policy_tf.analysis.access_changes", "diff_paths"),
    "PolicyTfError": ("policy_tf.errors", "PolicyTfError"),
    "InputError": ("policy_tf.errors", "InputError"),
}

__all__ = ["__version__", *_PUBLIC]


def _version() -> str:
    """The version setuptools-scm wrote at install time, from the git tags."""
    try:
        from policy_tf._version import __version__ as version
    except ImportError:  # a source tree that was never installed
        version = "0+unknown"
    return version


def __getattr__(name: str):
    if name == "__version__":  # loaded on first use, like the rest: `import policy_tf` stays bare
        globals()["__version__"] = value = _version()
        return value
    try:
        module_name, attribute = _PUBLIC[name]
    except KeyError:
        raise AttributeError(f"module 'policy_tf' has no attribute {name!r}") from None
    import importlib

    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
