"""Where the curated tables of ``data/`` are: in a checkout, or where ``pip install`` put them."""
from __future__ import annotations

from pathlib import Path


def data_file(name: str) -> Path:
    """``data/<name>`` of a checkout, else ``<prefix>/share/policy_tf/<name>`` (setup.cfg's data_files)."""
    checkout = Path(__file__).resolve().parents[2] / "data" / name
    if checkout.is_file():
        return checkout
    import sysconfig

    return Path(sysconfig.get_paths()["data"]) / "share" / "policy_tf" / name
