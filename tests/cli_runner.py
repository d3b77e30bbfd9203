"""Running ``python -m policy_tf`` as a child process, for the ``cli_process`` fixture and for
module-scoped fixtures that cannot use it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SUBPROCESS_TIMEOUT = 300  # seconds: a hung child fails its test instead of the whole run


def run_policy_tf(*argv: str, home: Path, policy_tf_home: str | None = None, stdin: str | bytes | None = None,
                  env: dict | None = None, cwd: Path | str | None = None, text: bool = True,
                  timeout: float = SUBPROCESS_TIMEOUT) -> subprocess.CompletedProcess:
    """``policy_tf *argv`` with a minimal environment: PATH, this checkout on PYTHONPATH, ``home`` as HOME
    and ``policy_tf_home`` (default ``home/.policy_tf``) as POLICY_TF_HOME; ``env`` adds or overrides."""
    base = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(home),
            "POLICY_TF_HOME": policy_tf_home or str(Path(home) / ".policy_tf")}
    return subprocess.run([sys.executable, "-m", "policy_tf", *argv], input=stdin, capture_output=True, text=text,
                          env={**base, **(env or {})}, cwd=cwd, timeout=timeout)
