"""usage-review: the package of the usage-review Terraform module's Lambda function."""
from __future__ import annotations

import sys

from policy_tf.cli.common import path_arg

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def cmd_package(args: argparse.Namespace) -> int:
    from policy_tf.aws.package import build_package
    from policy_tf.core.errors import PolicyTfError

    try:
        info = build_package(args.output)
    except OSError as exc:
        raise PolicyTfError(f"{args.output}: cannot write the package: {exc.strerror or exc}") from None
    print(f"{info['path']}: {info['files']} files, {info['bytes']:,} bytes, handler {info['handler']} "
          f"(runtime {info['runtime']}; its own boto3 is used); source_code_hash {info['sha256_base64']}",
          file=sys.stderr)
    return 0


def add_usage_review_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    from policy_tf.cli.common import formatter_class

    steps = p.add_subparsers(dest="step", metavar="STEP")
    steps.required = True
    package = steps.add_parser("package", formatter_class=formatter_class(),
                               help="build the Lambda zip of terraform/modules/usage-review (boto3 not bundled)")
    package.add_argument("--output", required=True, metavar="ZIP", type=path_arg,
                         help="the zip to write, e.g. build/usage-review.zip (the module's package_file)")
    package.set_defaults(func=cmd_package)
