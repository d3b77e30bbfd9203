"""usage-review: the package of the usage-review Terraform module's Lambda function."""
from __future__ import annotations

from policy_tf.cli.common import add_output_file, add_quiet
from policy_tf.cli.common import info as say

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def cmd_package(args: argparse.Namespace) -> int:
    from policy_tf.aws.package import build_package
    from policy_tf.core.errors import InputError, PolicyTfError

    try:
        info = build_package(args.output)
    except OSError as exc:
        if isinstance(exc, InputError):  # the writer refused what is in the file's place: exit 2
            raise InputError(f"{args.output}: cannot write the package: {exc.strerror or exc}") from None
        raise PolicyTfError(f"{args.output}: cannot write the package: {exc.strerror or exc}") from None
    say(args, f"{info['path']}: {info['files']} files, {info['bytes']:,} bytes, handler {info['handler']} "
          f"(runtime {info['runtime']}; its own boto3 is used); source_code_hash {info['sha256_base64']}")
    return 0


def add_usage_review_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    from policy_tf.cli.common import formatter_class

    steps = p.add_subparsers(dest="step", metavar="STEP")
    steps.required = True
    package = steps.add_parser("package", formatter_class=formatter_class(),
                               help="build the Lambda zip of terraform/modules/usage-review (boto3 not bundled)")
    add_output_file(package, "the zip to write, e.g. build/usage-review.zip (the module's package_file)",
                    required=True, metavar="ZIP")
    add_quiet(package)
    package.set_defaults(func=cmd_package)
