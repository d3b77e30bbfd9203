"""The package's own data files (setup.cfg package_data), found the way importlib.resources finds them.

Each concept keeps its curated tables in a ``data/`` folder of its own package
(``policy_tf/<package>/data/<name>``), so a checkout, a wheel, ``pip install --user`` and
``pip install --target`` all read them the same way: beside the package's own ``__init__.py``.
"""
from __future__ import annotations

import importlib
import os

TYPE_CHECKING = False  # pathlib is imported where a Path is made: audit's start-up needs none
if TYPE_CHECKING:
    from pathlib import Path


def data_path(package: str, name: str) -> str:
    """``data_file`` as a string, without pathlib (its import, with urllib.parse and ipaddress,
    is about 3 ms of audit's start-up) for a package imported from files."""
    origin = getattr(importlib.import_module(package), "__file__", None)
    if origin:
        return os.path.join(os.path.dirname(origin), "data", name)
    return str(data_file(package, name))


def data_file(package: str, name: str) -> Path:
    """``<package>/data/<name>`` as a file-system path (the readers check and open paths).

    A package imported from files answers from its ``__file__``, which is what
    ``importlib.resources.files`` answers for it too (tests/core/test_datafiles.py holds them
    equal); importing importlib.resources costs audit's start-up tens of ms (typing, tempfile),
    so it is asked only for a package that has no ``__file__``.
    """
    from pathlib import Path

    origin = getattr(importlib.import_module(package), "__file__", None)
    if origin:
        return Path(origin).parent / "data" / name
    from importlib.resources import files

    resource = files(package) / "data" / name
    if not isinstance(resource, Path):  # a zip import: the readers need a file on disk
        from policy_tf.core.errors import PolicyTfError

        raise PolicyTfError(f"{package}: data/{name} is not a file on disk ({resource}); install policy_tf unzipped")
    return resource
