"""Org mode against moto: `boundary plan --accounts` over 20 accounts, 4 at a time (bench/org_run.py).

It runs with the bench's own Python (the dev venv of `make bench`), which has moto (the [test] extra).

The wall time includes starting the moto server and creating the accounts' roles and users;
the script prints, besides the per-account summary table, the time of the policy_tf run alone.
"""
import sys

from bench import Case, Under

CASES = [
    Case("org run: boundary plan in 20 accounts against moto (--max-accounts 4)",
         [sys.executable, "{bench}/org_run.py", "--accounts", "20", "--max-accounts", "4"], None, bar=Under(90),
         max_rounds=1, warmup=False, timeout=600,
         note="moto server in its own process; 7 entities an account; the script prints the summary table and "
              "policy_tf's own time (8.3 s here, 2 cores shared)"),
]
