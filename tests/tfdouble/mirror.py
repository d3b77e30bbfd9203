"""Helpers to run real Terraform against the TEST DOUBLE external provider.

Test-only code.  ``make_mirror`` lays out a Terraform filesystem mirror that
holds the TEST DOUBLE of ``registry.terraform.io/hashicorp/external`` (see
``terraform_provider_external.py`` and README.md in this folder);
``write_cli_config`` writes a CLI configuration that installs that provider
from the mirror, hashicorp/aws from /opt/tf-plugins, and nothing from the
network; ``run_terraform`` runs the terraform binary with that configuration.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Mapping, Optional, Sequence, Union

#: Version the double is installed as.  Matches the real provider's 2.3.x line.
DEFAULT_VERSION = "2.3.5"
PROVIDER_HOST = "registry.terraform.io"
PROVIDER_NAMESPACE = "hashicorp"
PROVIDER_TYPE = "external"
PROVIDER_ADDRESS = f"{PROVIDER_HOST}/{PROVIDER_NAMESPACE}/{PROVIDER_TYPE}"

#: Where this machine keeps the real hashicorp/aws provider (unpacked layout).
AWS_PLUGIN_MIRROR = Path("/opt/tf-plugins")

#: Default time limit for one terraform command, in seconds.
DEFAULT_TIMEOUT = 120.0

#: Python packages the double needs at run time (importable by sys.executable).
REQUIRED_MODULES = ("tf", "grpc", "google.protobuf", "msgpack", "cryptography")

#: Subcommands that get "-no-color" added by run_terraform.
_NO_COLOR_COMMANDS = frozenset(
    {"init", "validate", "plan", "apply", "destroy", "refresh", "output", "show"}
)

_PROVIDER_SOURCE = Path(__file__).with_name("terraform_provider_external.py")

# Linux reads at most this many bytes of a "#!" line (BINPRM_BUF_SIZE - 1 on
# older kernels); longer interpreter paths go through /bin/sh instead.
_SHEBANG_LIMIT = 127


def terraform_binary() -> Optional[str]:
    """Path of the ``terraform`` executable on PATH, or None."""
    return shutil.which("terraform")


def missing_modules() -> list[str]:
    """Names from REQUIRED_MODULES that the current interpreter cannot import."""
    missing = []
    for name in REQUIRED_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:  # parent package missing
            found = False
        if not found:
            missing.append(name)
    return missing


def platform_dir() -> str:
    """Terraform's name for this platform, e.g. ``linux_amd64``."""
    machine = os.uname().machine.lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        machine, machine
    )
    return f"{sys.platform.rstrip('0123456789')}_{arch}"


def _launcher_header(python: str) -> str:
    """First line(s) of the provider executable, pointing at ``python``."""
    direct = f"#!{python}\n"
    if len(direct) <= _SHEBANG_LIMIT and " " not in python:
        return direct
    # A sh/Python polyglot: sh runs the exec line; Python sees a bare string.
    quoted = "'" + python.replace("'", "'\"'\"'") + "'"
    return f'#!/bin/sh\n""":"\nexec {quoted} "$0" "$@"\n"""\n'


def provider_executable(mirror: Path, version: str = DEFAULT_VERSION) -> Path:
    """Path of the provider executable inside a mirror made by make_mirror."""
    return (
        Path(mirror)
        / PROVIDER_HOST
        / PROVIDER_NAMESPACE
        / PROVIDER_TYPE
        / version
        / platform_dir()
        / f"terraform-provider-{PROVIDER_TYPE}_v{version}"
    )


def make_mirror(
    dest: Path,
    version: str = DEFAULT_VERSION,
    python: Optional[str] = None,
) -> Path:
    """Lay out a filesystem mirror holding the TEST DOUBLE external provider.

    Creates ``dest/registry.terraform.io/hashicorp/external/<version>/<os_arch>/
    terraform-provider-external_v<version>`` (Terraform's "unpacked" mirror
    layout): a copy of terraform_provider_external.py, executable, whose
    shebang runs ``python`` (default: ``sys.executable``, the interpreter
    running the tests, which must be able to import the ``tf`` package).
    Returns ``dest``, the mirror root to name in ``write_cli_config``.
    Calling it again on the same ``dest`` rewrites the executable.
    """
    dest = Path(dest).resolve()
    exe = provider_executable(dest, version)
    exe.parent.mkdir(parents=True, exist_ok=True)

    body = _PROVIDER_SOURCE.read_text(encoding="utf-8")
    if body.startswith("#!"):
        body = body.split("\n", 1)[1]
    body = body.replace(
        'PROVIDER_VERSION = "2.3.5"', f"PROVIDER_VERSION = {version!r}", 1
    )
    exe.write_text(_launcher_header(python or sys.executable) + body, encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return dest


def hcl_string(value: Union[str, Path]) -> str:
    """Quote ``value`` as an HCL string literal (no interpolation)."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text.replace("${", "$${").replace("%{", "%%{")}"'


def write_cli_config(
    path: Path,
    mirror: Path,
    aws_mirror: Optional[Path] = AWS_PLUGIN_MIRROR,
) -> Path:
    """Write a Terraform CLI configuration file at ``path`` and return it.

    Providers are installed only from local mirrors: hashicorp/external from
    ``mirror`` (made by make_mirror), hashicorp/aws from ``aws_mirror``
    (default /opt/tf-plugins; None leaves that block out), and any other
    registry.terraform.io provider is refused instead of downloaded.
    """
    path = Path(path)
    blocks = [
        "  filesystem_mirror {\n"
        f"    path    = {hcl_string(Path(mirror).resolve())}\n"
        f'    include = ["{PROVIDER_ADDRESS}"]\n'
        "  }\n"
    ]
    if aws_mirror is not None:
        blocks.append(
            "  filesystem_mirror {\n"
            f"    path    = {hcl_string(Path(aws_mirror))}\n"
            f'    include = ["{PROVIDER_HOST}/hashicorp/aws"]\n'
            "  }\n"
        )
    blocks.append(
        "  direct {\n"
        f'    exclude = ["{PROVIDER_HOST}/*/*"]\n'
        "  }\n"
    )
    text = (
        "# Terraform CLI configuration for policy_tf tests (TEST DOUBLE provider mirror).\n"
        "provider_installation {\n" + "".join(blocks) + "}\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def terraform_env(
    cli_config: Path, extra_env: Optional[Mapping[str, str]] = None
) -> dict[str, str]:
    """Environment for a terraform run: the current one without any TF_*
    variables (no plugin cache, reattach, CLI args, workspace...), plus the
    CLI config, automation mode and no update checks, then ``extra_env``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    env.pop("CHECKPOINT_DISABLE", None)
    env.update(
        TF_CLI_CONFIG_FILE=str(Path(cli_config).resolve()),
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
        CHECKPOINT_DISABLE="1",
    )
    if extra_env:
        env.update(extra_env)
    return env


def run_terraform(
    args: Sequence[str],
    cwd: Path,
    cli_config: Path,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    extra_env: Optional[Mapping[str, str]] = None,
    check: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run ``terraform <args>`` in ``cwd`` and return the CompletedProcess.

    stdout/stderr are captured as text.  ``-no-color`` is added after the
    subcommand (for init, validate, plan, apply, destroy, refresh, output,
    show) unless already present, so messages can be matched in tests.
    The plugin cache is off (TF_PLUGIN_CACHE_DIR and every other inherited
    TF_* variable is removed).  Raises subprocess.TimeoutExpired after
    ``timeout`` seconds, and CalledProcessError on failure if ``check``.
    """
    exe = terraform_binary()
    if exe is None:
        raise FileNotFoundError("terraform is not on PATH")
    args = list(args)
    if args and args[0] in _NO_COLOR_COMMANDS and "-no-color" not in args:
        args.insert(1, "-no-color")
    return subprocess.run(
        [exe, *args],
        cwd=str(cwd),
        env=terraform_env(cli_config, extra_env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )
