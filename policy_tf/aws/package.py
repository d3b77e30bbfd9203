"""The usage-review Lambda package: a reproducible zip of policy_tf and what the review imports.

The Lambda Python runtime brings boto3 and botocore; they are not bundled. PyYAML is bundled
as its pure-Python modules only (its C speed-ups are built for this machine, not for Lambda's),
which it falls back to by itself. Entries are sorted and dated 1980-01-01, so that the same
sources give the same bytes, and Terraform's ``source_code_hash`` changes only with the code.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

HANDLER = "policy_tf.aws.review_lambda.handler"
RUNTIME = "python3.12"
BUNDLED = ("policy_tf", "yaml")  # top-level packages in the zip
_SKIP_SUFFIXES = (".pyc", ".pyo", ".so", ".pyd", ".dylib")
_EPOCH = (1980, 1, 1, 0, 0, 0)


def _package_dir(name: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        from policy_tf.core.errors import PolicyTfError

        raise PolicyTfError(f"cannot build the package: the Python package {name!r} is not installed")
    return Path(list(spec.submodule_search_locations)[0])


def package_files() -> list[tuple[str, Path]]:
    """(name in the zip, file on disk) for every bundled file, sorted by name."""
    files = []
    for name in BUNDLED:
        root = _package_dir(name)
        for path in root.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and not path.name.endswith(_SKIP_SUFFIXES) \
                    and not path.name.startswith("."):
                files.append((f"{name}/{path.relative_to(root).as_posix()}", path))
    return sorted(files)


def build_package(output: str | Path) -> dict:
    """Write the zip to ``output`` (whole or not at all); its file count, size and SHA-256 (base64, as
    Terraform's ``filebase64sha256``)."""
    import base64
    import hashlib
    import io

    from policy_tf.core import atomic

    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    atomic.check_target(output)  # a device, FIFO, folder or link in its place: refused before the work
    files = package_files()
    buffer = io.BytesIO()  # a few MB: built whole, then written by the one writer (never over a device)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, path in files:
            info = zipfile.ZipInfo(name, _EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    data = buffer.getvalue()
    atomic.write_bytes(output, data)
    return {"path": str(output), "files": len(files), "bytes": len(data), "handler": HANDLER, "runtime": RUNTIME,
            "sha256_base64": base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")}
