"""A real headless browser for the tests that look at HTML: Debian's Chromium, offline and sandboxed to a
temporary profile. Tests skip cleanly when it is absent."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")


def available() -> bool:
    return CHROMIUM is not None


def screenshot(html_path, png_path, width: int = 1200, height: int = 2400, timeout: float = 120.0) -> Path:
    """Render ``html_path`` (a local file) in headless Chromium and save a PNG of it to ``png_path``."""
    if CHROMIUM is None:
        import pytest

        pytest.skip("chromium is not installed (/usr/bin/chromium)")
    png = Path(png_path).resolve()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}",
                               f"--window-size={width},{height}", "--hide-scrollbars",
                               Path(html_path).resolve().as_uri()],
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if proc.returncode != 0 or not png.is_file():
        raise AssertionError(f"chromium failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return png
