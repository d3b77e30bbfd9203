"""audit's access checks (--no-new-access, --access-not-granted, --no-public-access): their options,
and the findings they add to an audit's result."""
from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def add_access_options(p: argparse.ArgumentParser) -> None:
    from policy_tf.cli.common import path_arg

    group = p.add_argument_group("access checks (offline counterparts of IAM Access Analyzer's custom policy checks)")
    group.add_argument("--no-new-access", action="store_true",
                       help="NEW_ACCESS for each policy and principal granting access its prior state in the plan "
                            "does not (or, with --reference, that the reference policy does not)")
    group.add_argument("--reference", metavar="FILE|DIR", type=path_arg,
                       help="with --no-new-access: compare with this policy file or folder instead of a prior state")
    group.add_argument("--access-not-granted", metavar="FILE", type=path_arg,
                       help="ACCESS_GRANTED for each statement granting access the YAML list in FILE forbids "
                            "(actions, optionally with resources)")
    group.add_argument("--no-public-access", action="store_true",
                       help="PUBLIC_ACCESS for each resource or trust policy statement open to anyone")


def wanted(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "no_new_access", False) or getattr(args, "access_not_granted", None)
                or getattr(args, "no_public_access", False) or getattr(args, "reference", None))


def prepare(args: argparse.Namespace, index):
    """Read the option files before any work (a bad one is a clean exit 2): (forbidden, reference)."""
    from policy_tf.analysis import inputs as readers
    from policy_tf.analysis.access_checks import load_forbidden
    from policy_tf.cli.diff import _check_input
    from policy_tf.errors import InputError

    if args.reference and not args.no_new_access:
        raise InputError("--reference goes with --no-new-access")
    for path in (args.access_not_granted, args.reference):
        if path:
            _check_input(path)  # a FIFO or a device would block the reader
    forbidden = load_forbidden(args.access_not_granted, index) if args.access_not_granted else None
    reference = None
    if args.reference:
        from policy_tf.analysis.access_changes import bad_inputs

        reference = readers.read([args.reference])
        if bad_inputs(reference):
            raise InputError(f"--reference: {'; '.join(bad_inputs(reference))}")
        if not reference.policies:
            raise InputError(f"{args.reference}: --reference holds no policy")
    return forbidden, reference


def add_findings(result, args: argparse.Namespace, exclusions) -> None:
    """Run the access checks asked for on the audit's inputs and add what they find to ``result``
    (exclusions applied, findings sorted as the audit sorts them)."""
    from policy_tf.analysis import access_checks
    from policy_tf.analysis import inputs as readers
    from policy_tf.analysis.audit import exclude, sort_key
    from policy_tf.analysis.expand import action_index

    index = action_index()
    forbidden, reference = prepare(args, index)
    inputs = readers.read(args.paths)  # read again: the audit keeps policies, not principals or prior state
    found = []
    if args.no_new_access:
        found += access_checks.no_new_access(inputs, index, reference)
    if forbidden is not None:
        found += access_checks.access_not_granted(inputs, forbidden, index)
    if args.no_public_access:
        found += access_checks.no_public_access(inputs, index)
    result.findings.extend(exclude(found, inputs, exclusions, result.excluded))
    result.findings.sort(key=sort_key)
    result.excluded.sort(key=lambda pair: sort_key(pair[0]))
