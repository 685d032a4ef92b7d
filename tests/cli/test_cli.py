"""Check the `capacitarr` command line, run as a real subprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from controller.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ROOT / "tests" / "manifest" / "broken"


def capacitarr(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "controller.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", ""), **(env or {})},
        timeout=60,
    )


def test_validate_valid_folder_prints_a_summary() -> None:
    """Check exit 0 and a one-line summary for the default manifests."""
    result = capacitarr("validate", "manifests")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    (line,) = result.stdout.splitlines()
    assert line.startswith(
        "manifests: valid: 3 files, 1 disk group, 2 integrations, 0 rules, "
        "0 notification channels; default mode dry-run; digest "
    )


def test_validate_invalid_folder_lists_every_problem_on_stderr() -> None:
    """Check exit 1 and one problem per line, exactly as the loader words them."""
    expected = yaml.safe_load((BROKEN / "expected.yaml").read_text())
    result = capacitarr("validate", "several-problems", cwd=BROKEN)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == expected["several-problems"]


def test_validate_reads_secrets_from_the_environment() -> None:
    """Check that missing variables fail validation and supplied ones pass."""
    folder = "examples/home-single-disk"
    missing = capacitarr("validate", folder)
    assert missing.returncode == 1
    assert "environment variable SONARR_API_KEY is not set" in missing.stderr
    env = {"SONARR_API_KEY": "k1", "RADARR_API_KEY": "k2", "PLEX_TOKEN": "k3"}
    assert capacitarr("validate", folder, env=env).returncode == 0
    assert capacitarr("validate", "--skip-secrets", folder).returncode == 0


def test_validate_missing_folder_fails() -> None:
    """Check that a folder that does not exist is exit 1 with a message."""
    result = capacitarr("validate", "no-such-folder")
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "no-such-folder: is not a folder; give the manifests folder"
    )


def test_schema_prints_the_json_schema() -> None:
    """Check that `capacitarr schema` prints a draft 2020-12 JSON Schema."""
    result = capacitarr("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "Capacitarr manifest"
    assert set(schema["properties"]) >= {"preferences", "diskGroups", "integrations"}


def test_usage_errors_exit_2() -> None:
    """Check that a missing or unknown command is a usage error."""
    assert capacitarr().returncode == 2
    assert capacitarr("frobnicate").returncode == 2


def test_parser_lists_the_subcommands() -> None:
    """Check that build_parser() registers validate and schema."""
    parser = build_parser()
    assert parser.parse_args(["validate", "x"]).handler.__name__ == "run_validate"
    assert parser.parse_args(["schema"]).handler.__name__ == "run_schema"
