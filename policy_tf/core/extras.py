"""Optional parts of the install: which extra brings a missing module, said in one clear message.

The core (write-policy, terraform-external, query, write-policy-dir, audit of JSON and plans)
needs only PyYAML and Jinja2; the rest comes with extras, so a Terraform-external user does not
install boto3 or lxml.
"""
from __future__ import annotations

from policy_tf.core.errors import InputError

# top-level module -> (extra, what it is needed for)
EXTRAS = {
    "boto3": ("aws", "live AWS accounts"),
    "botocore": ("aws", "live AWS accounts"),
    "bs4": ("build", "building the IAM database from AWS's pages"),
    "lxml": ("build", "building the IAM database from AWS's pages"),
    "requests": ("build", "fetching AWS's documentation"),
    "hcl2": ("tf", "reading .tf files"),
    "lark": ("tf", "reading .tf files"),
}


class MissingExtraError(InputError):
    """A command needs a module that only an extra installs (exit 2)."""


def missing_extra(module: str | None) -> MissingExtraError | None:
    """The error for a missing optional module, or None when ``module`` is not an extra's."""
    top = (module or "").split(".")[0]
    if top not in EXTRAS:
        return None
    extra, purpose = EXTRAS[top]
    return MissingExtraError(f"{purpose} needs the '{top}' module, which the core install leaves out: "
                             f"pip install 'policy_tf[{extra}]' (or policy_tf[all])")
