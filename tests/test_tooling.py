"""Check that the formatter, the linter and the type checker are clean."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["controller", "api", "simulators", "tests", "benchmarks"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True
    )


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="no ruff")
def test_ruff_lint_is_clean() -> None:
    """Check that `ruff check` reports nothing."""
    result = run("ruff", "check", *SOURCES)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="no ruff")
def test_ruff_format_is_clean() -> None:
    """Check that every file is formatted by `ruff format`."""
    result = run("ruff", "format", "--check", *SOURCES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean() -> None:
    """Check that mypy finds no errors in controller/ and api/."""
    result = run("mypy", "--no-error-summary")
    assert result.returncode == 0, result.stdout + result.stderr
