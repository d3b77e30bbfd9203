#!/usr/bin/env python3
# ---------------------------------------------------------------------------
# TEST DOUBLE -- NOT THE REAL hashicorp/external PROVIDER.
#
# This file is a test-only stand-in for the Terraform provider
# `registry.terraform.io/hashicorp/external`.  The machines this project is
# tested on have no network access, so the real provider cannot be downloaded
# from the Terraform registry.  This double speaks the same plugin protocol
# (protocol v6, via the `tf` package from PyPI) and implements the one data
# source that matters to policy_tf, `data "external"`, with the behaviour of
# the real provider's 2.3.x releases as documented.  It is written from that
# documented behaviour, not copied from the provider's source.
#
# `tests/tfdouble/mirror.py` copies this file into a Terraform filesystem
# mirror as `terraform-provider-external_v<version>` with a shebang naming the
# Python interpreter that runs the tests.  The file must therefore stay
# self-contained: it may import only the standard library and the `tf`
# package (plus its dependencies), never other project modules.
#
# Never ship this file, never install it outside a test's temporary mirror.
# See tests/tfdouble/README.md.
# ---------------------------------------------------------------------------
"""TEST DOUBLE of the hashicorp/external Terraform provider (data source only).

No ``from __future__`` imports here: mirror.py may put a sh/Python polyglot
string above this docstring, and such imports must come first.

The module has two halves:

* ``run_external_program`` -- the behaviour of ``data "external"``, in plain
  Python with no dependency on ``tf``, so it can be unit-tested directly;
* ``build_provider`` / ``main`` -- the wiring into the ``tf`` framework, which
  serves it to Terraform over gRPC (plugin protocol v6).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

#: Version this double claims to be.  Keep in step with mirror.DEFAULT_VERSION.
PROVIDER_VERSION = "2.3.5"
PROVIDER_ADDRESS = "registry.terraform.io/hashicorp/external"
DATA_SOURCE_TYPE = "external"

#: The real provider always sets the computed ``id`` to this value.
DATA_SOURCE_ID = "-"


class ExternalProgramError(Exception):
    """A failure of the external program, reported to Terraform as an error
    diagnostic on the ``program`` attribute (as the real provider does)."""

    def __init__(self, summary: str, detail: str) -> None:
        super().__init__(f"{summary}: {detail}")
        self.summary = summary
        self.detail = detail


def encode_query(query: Optional[Mapping[str, Optional[str]]]) -> bytes:
    """Serialise ``query`` the way the real provider sends it on stdin.

    Entries whose value is null are dropped (the real provider has done so
    since 2.2.x); a missing query becomes ``{}``.  The encoding mirrors Go's
    ``encoding/json``: compact, keys sorted, UTF-8 kept as is, and the
    characters ``<``, ``>``, ``&``, U+2028 and U+2029 written as ``\\uXXXX``
    escapes.
    """
    kept = {k: v for k, v in (query or {}).items() if v is not None}
    text = json.dumps(kept, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        # Safe as plain replacement: these characters can only occur inside
        # JSON string literals, where the escape means the same thing.
        text = text.replace(char, escape)
    return text.encode("utf-8")


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def decode_result(stdout: bytes) -> dict[str, str]:
    """Parse the program's stdout into the ``result`` map.

    The output must be one JSON object whose values are all strings.  Two
    leniencies of the real provider (inherited from Go's JSON decoder) are
    kept on purpose so that programs behave the same under the double: a
    top-level ``null`` gives an empty result, and a ``null`` value gives "".
    """
    try:
        parsed = json.loads(stdout.decode("utf-8", errors="replace"))
    except ValueError as exc:
        raise ValueError(f"output is not valid JSON ({exc})") from None
    if parsed is None:
        return {}
    if not isinstance(parsed, dict):
        raise ValueError(f"output is a JSON {_json_kind(parsed)}, not a JSON object")
    result: dict[str, str] = {}
    bad: list[str] = []
    for key, value in parsed.items():
        if value is None:
            result[key] = ""
        elif isinstance(value, str):
            result[key] = value
        else:
            bad.append(f"{key!r} is a JSON {_json_kind(value)}")
    if bad:
        raise ValueError("values must be strings, but " + ", ".join(bad))
    return result


def _resolve_program(name: str) -> Optional[str]:
    """Find the executable like Go's exec.LookPath: a name containing a slash
    is used as given (relative to the provider's working directory), any
    other name is searched for on PATH.  Returns None when not found."""
    if os.sep in name or (os.altsep and os.altsep in name):
        return name if os.path.isfile(name) and os.access(name, os.X_OK) else None
    return shutil.which(name)


def _describe_exit(returncode: int) -> str:
    if returncode < 0:
        return f"signal: {-returncode}"
    return f"exit status {returncode}"


def run_external_program(
    program: Sequence[Optional[str]],
    working_dir: Optional[str] = None,
    query: Optional[Mapping[str, Optional[str]]] = None,
) -> dict[str, str]:
    """Run ``program`` with ``query`` as JSON on stdin; return its result map.

    Raises ExternalProgramError (summary + detail, worded like the real
    provider's diagnostics) on any failure.
    """
    args = [a for a in program if a]  # null and "" elements are skipped
    if not args:
        raise ExternalProgramError(
            "External Program Missing",
            "The data source was configured without a program to execute. "
            "The program list needs at least one non-empty element.",
        )

    stdin = encode_query(query)

    resolved = _resolve_program(args[0])
    if resolved is None:
        raise ExternalProgramError(
            "External Program Lookup Failed",
            "The data source could not find the program to run. It must be an "
            "executable file, given either by a path or by a name found on PATH "
            "(tip: prefix programs next to the configuration with ${path.module}).\n"
            f"\nPlatform: {sys.platform}\nProgram: {args[0]}",
        )
    argv = [resolved, *args[1:]]

    try:
        proc = subprocess.run(
            argv,
            input=stdin,
            capture_output=True,
            cwd=working_dir or None,
            check=False,
            timeout=600,  # a hung program fails the plan rather than the test run
        )
    except OSError as exc:
        raise ExternalProgramError(
            "External Program Execution Failed",
            "The data source could not start the program.\n"
            f"\nProgram: {resolved}\nState: {exc}",
        ) from None

    stderr = proc.stderr.decode("utf-8", errors="replace")
    if proc.returncode != 0:
        if stderr:
            detail = (
                "The program exited with an error.\n"
                f"\nProgram: {resolved}\nError Message: {stderr}"
                f"\nState: {_describe_exit(proc.returncode)}"
            )
        else:
            detail = (
                "The program exited with an error and wrote nothing to stderr.\n"
                f"\nProgram: {resolved}\nState: {_describe_exit(proc.returncode)}"
            )
        raise ExternalProgramError("External Program Execution Failed", detail)

    try:
        return decode_result(proc.stdout)
    except ValueError as exc:
        raise ExternalProgramError(
            "Unexpected External Program Results",
            "The program ran, but its output could not be used.\n\n"
            "Program output must be a JSON object whose keys and values are "
            "all strings.\n"
            f"\nProgram: {resolved}\nResult Error: {exc}",
        ) from None


# ---------------------------------------------------------------------------
# `tf` framework wiring.  Imports of `tf` stay inside functions so that the
# module can be imported (and run_external_program tested) without `tf`.
# ---------------------------------------------------------------------------


def build_provider() -> Any:
    """Return a `tf` Provider instance serving the ``external`` data source."""
    from tf import types
    from tf.iface import DataSource, Provider, ReadDataContext
    from tf.schema import Attribute, Schema
    from tf.types import Unknown

    class ExternalDataSource(DataSource):
        """TEST DOUBLE of ``data "external"``."""

        def __init__(self, provider: Any) -> None:
            self.provider = provider

        @classmethod
        def get_name(cls) -> str:
            return DATA_SOURCE_TYPE

        @classmethod
        def get_schema(cls) -> Schema:
            return Schema(
                description="TEST DOUBLE of the hashicorp/external `external` data source.",
                attributes=[
                    Attribute(
                        "program",
                        types.List(types.String()),
                        required=True,
                        description="Program to run, then its arguments. Not run through a shell.",
                    ),
                    Attribute(
                        "working_dir",
                        types.String(),
                        optional=True,
                        description="Working directory of the program (default: current directory).",
                    ),
                    Attribute(
                        "query",
                        types.Map(types.String()),
                        optional=True,
                        description="Strings sent to the program as a JSON object on stdin.",
                    ),
                    Attribute(
                        "result",
                        types.Map(types.String()),
                        computed=True,
                        description="String map the program printed as a JSON object on stdout.",
                    ),
                    Attribute("id", types.String(), computed=True, description='Always "-".'),
                ],
            )

        def validate(self, diags: Any, type_name: str, config: Any) -> None:
            super().validate(diags, type_name, config)
            program = (config or {}).get("program")
            if isinstance(program, list) and len(program) == 0:
                diags.add_error(
                    "Invalid Attribute Value",
                    "Attribute program list must contain at least 1 elements, got: 0",
                    path=["program"],
                )

        def read(self, ctx: ReadDataContext, config: Any) -> Optional[dict]:
            program = config.get("program") or []
            working_dir = config.get("working_dir")
            query = config.get("query")
            if program is Unknown or query is Unknown or working_dir is Unknown:
                # Terraform defers reads whose configuration is not yet known;
                # reaching here would be a Terraform-side surprise.
                ctx.diagnostics.add_error(
                    "Unknown configuration",
                    "TEST DOUBLE external provider: configuration still unknown at read time.",
                )
                return None
            try:
                result = run_external_program(program, working_dir, query)
            except ExternalProgramError as exc:
                ctx.diagnostics.add_error(exc.summary, exc.detail, path=["program"])
                return None
            state = dict(config)
            state["result"] = result
            state["id"] = DATA_SOURCE_ID
            return state

    class ExternalProvider(Provider):
        """TEST DOUBLE of the hashicorp/external provider (no configuration)."""

        def get_model_prefix(self) -> str:
            return ""

        def full_name(self) -> str:
            return PROVIDER_ADDRESS

        def get_provider_schema(self, diags: Any) -> Schema:
            return Schema(attributes=[])

        def validate_config(self, diags: Any, config: Any) -> None:
            pass

        def configure_provider(self, diags: Any, config: Any) -> None:
            pass

        def get_data_sources(self) -> list:
            return [ExternalDataSource]

        def get_resources(self) -> list:
            return []

    return ExternalProvider()


def _redirect_cert_cache() -> None:
    """Keep the `tf` runner's self-signed TLS certificate cache out of $HOME.

    tf 1.2.0 caches the certificate it presents to Terraform in
    ~/.cache/tf-python-provider; a test double should not write there, so the
    cache goes to a private directory under the system temp dir instead.  The
    hook is a private function of `tf`; if a later release drops it, the
    default location is used and nothing else changes.
    """
    try:
        from tf import runner
    except ImportError:  # pragma: no cover - main() fails right after anyway
        return
    if not hasattr(runner, "_get_cert_cache_path"):
        return
    cache_dir = Path(tempfile.gettempdir()) / f"policy_tf-tfdouble-{os.getuid()}"

    def cache_path() -> Path:
        cache_dir.mkdir(mode=0o700, exist_ok=True)
        return cache_dir / "ssl_cert.json"

    runner._get_cert_cache_path = cache_path


def main(argv: Optional[list[str]] = None) -> None:
    try:
        from tf.runner import run_provider
    except ImportError as exc:
        sys.stderr.write(
            "TEST DOUBLE terraform-provider-external: the 'tf' package is not "
            f"importable by {sys.executable}: {exc}\n"
        )
        raise SystemExit(1) from None
    _redirect_cert_cache()
    run_provider(build_provider(), argv)


if __name__ == "__main__":
    main()
