"""Write policy_tf/analysis/data/risk-lists.json, the parsed copy of the risk lists beside it.

    python tools/risk_lists.py          # rewrite it from the YAML files
    python tools/risk_lists.py --check  # exit 1 when it is out of date

The YAML files are what to edit; the JSON spares every audit parsing them (see
policy_tf/analysis/risklists.py), and is read only while each YAML's CRC-32 still matches.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from policy_tf.analysis import risklists  # noqa: E402  (the repository's own package, first on the path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the JSON is out of date, write nothing")
    args = parser.parse_args(argv)
    path = Path(risklists._path(risklists.COMPILED))
    text = risklists.compiled_text()
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        print(f"{path}: up to date")
        return 0
    if args.check:
        print(f"{path}: out of date: run python tools/risk_lists.py", file=sys.stderr)
        return 1
    path.write_text(text, encoding="utf-8")
    print(f"{path}: written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
