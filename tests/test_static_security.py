"""The static security scan (ruff's flake8-bandit rules) is clean over the application code; each
exception is justified where it is made, with a `# noqa: S…` comment saying why."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_security_scan_finds_nothing_unjustified():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--select",
            "S",
            "--exclude",
            ".venv,tests,scripts,var",
            "--output-format",
            "concise",
            ".",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stdout.strip().splitlines()[-1:]) == (
        0,
        ["All checks passed!"],
    )
