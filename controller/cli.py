"""The ``capacitarr`` commands that need no web face.

The console script's entry point is ``api.cli:main``, which adds ``serve`` and
``demo`` to these; ``main`` here runs the controller-only commands.
Each subcommand is one ``add_<name>`` function that declares its arguments and
one ``run_<name>`` function that does the work and returns the exit status; to
add a subcommand, write both and list the ``add_`` function in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from controller import __version__
from controller.manifest.loader import load_manifests
from controller.manifest.problems import ManifestError
from controller.manifest.schema import manifest_json_schema
from controller.plan_cli import add_observe, add_plan

Subparsers = Any  # argparse's _SubParsersAction is private


def add_validate(subparsers: Subparsers) -> None:
    """Declare ``capacitarr validate DIR``."""
    parser = subparsers.add_parser(
        "validate",
        help="check a manifests folder",
        description="Load, merge and check every *.yaml/*.yml file in DIR. Exit 0 "
        "and print a summary when valid; exit 1 and list every problem on stderr, "
        "one per line, when not.",
    )
    parser.add_argument("directory", metavar="DIR", help="the manifests folder")
    parser.add_argument(
        "--skip-secrets",
        action="store_true",
        help="check the syntax of ${ENV} and {file: ...} references without "
        "reading them (for CI, where the secrets are absent)",
    )
    parser.set_defaults(handler=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    """Validate a manifests folder; print a summary or the problems."""
    try:
        loaded = load_manifests(args.directory, resolve_secrets=not args.skip_secrets)
    except ManifestError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    print(f"{args.directory}: valid: {loaded.summary()}")
    return 0


def add_schema(subparsers: Subparsers) -> None:
    """Declare ``capacitarr schema``."""
    parser = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of manifests",
        description="Print the JSON Schema that manifest files follow. Save it and "
        "point your editor at it, e.g. with a first line "
        "'# yaml-language-server: $schema=capacitarr.schema.json'.",
    )
    parser.set_defaults(handler=run_schema)


def run_schema(args: argparse.Namespace) -> int:
    """Print the manifest JSON Schema."""
    print(json.dumps(manifest_json_schema(), indent=2))
    return 0


COMMANDS: list[Callable[[Subparsers], None]] = [
    add_validate,
    add_schema,
    add_plan,
    add_observe,
]


def build_parser(
    commands: Sequence[Callable[[Subparsers], None]] | None = None,
) -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand in ``commands``.

    Args:
        commands: the ``add_`` functions; :data:`COMMANDS` when None. The web
            face's entry point (``api.cli``) passes these plus its own.
    """
    parser = argparse.ArgumentParser(
        prog="capacitarr",
        description="Keep media disks below their usage threshold.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in COMMANDS if commands is None else commands:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    status: int = args.handler(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
