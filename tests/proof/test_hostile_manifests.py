"""Hostile manifest folders through the real ``capacitarr validate`` command.

``tests/manifest/test_hostile.py`` feeds hostile text to the loader in process;
this corpus goes through the installed command as a subprocess with a timeout,
with what only a folder can hold (a FIFO, a link to ``/dev/zero``, a directory
named like a manifest, thousands of files) and values that break Python rather
than YAML (a 6,000-digit integer, a YAML date where a number belongs). Each
refusal must be quick, exit 1 and print one problem per line naming the file,
with no traceback; the special files must be skipped without hanging. Every
case prints how long it took.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

TIMEOUT = 60
# A refusal slower than this is a hang in all but name.
QUICK = 15.0
Build = Callable[[Path], None]


def text(name: str, content: str | bytes) -> Build:
    data = content.encode() if isinstance(content, str) else content

    def build(folder: Path) -> None:
        (folder / name).write_bytes(data)

    return build


def alias_bomb(folder: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    (folder / "bomb.yaml").write_text("\n".join(lines) + "\n")


def fifo(folder: Path) -> None:
    os.mkfifo(folder / "hang.yaml")


def dev_zero(folder: Path) -> None:
    (folder / "zero.yaml").symlink_to("/dev/zero")


def directory(folder: Path) -> None:
    (folder / "dir.yaml").mkdir()


def many_files(folder: Path) -> None:
    for n in range(3000):
        (folder / f"rule-{n:04d}.yaml").write_text(
            f"rules:\n  - name: r{n}\n    field: title\n    operator: contains\n"
            f"    value: t{n}\n    effect: lean_keep\n"
        )


def many_entries(folder: Path) -> None:
    entry = "  - name: s{n}\n    type: sonarr\n    url: http://127.0.0.1:{port}\n"
    body = "".join(entry.format(n=n, port=n % 60000 + 1) for n in range(20_000))
    (folder / "integrations.yaml").write_text("integrations:\n" + body)


GROUP = "diskGroups:\n  - mountPath: /data\n    thresholdPct: {}\n    targetPct: 10\n"
# name -> (build, expected exit status, text stderr must contain or None, bug)
CASES: dict[str, tuple[Build, int, str | None, str | None]] = {
    "alias bomb": (alias_bomb, 1, "alias", None),
    "deep nesting": (
        text("deep.yaml", "a: " + "[" * 5000 + "]" * 5000),
        1,
        "nest",
        None,
    ),
    "huge file": (text("huge.yaml", "# " + "x" * 2_000_000 + "\n"), 1, "bytes", None),
    "thousands of entries": (many_entries, 1, "bytes", None),
    "binary junk": (text("junk.yaml", bytes(range(256)) * 64), 1, None, None),
    "NUL bytes": (
        text("nul.yaml", b"preferences:\n  logLevel: info\x00\n"),
        1,
        "NUL",
        None,
    ),
    "python tag": (
        text("tag.yaml", "preferences: !!python/object/apply:os.system [id]\n"),
        1,
        "not supported",
        None,
    ),
    "wrong types": (
        text("types.yaml", "preferences: [1, 2]\ndiskGroups: text\nrules: 7\n"),
        1,
        "must be",
        None,
    ),
    "NaN percent": (text("nan.yaml", GROUP.format(".nan")), 1, "thresholdPct", None),
    "huge integer": (
        text("int.yaml", GROUP.format("9" * 6000)),
        1,
        "thresholdPct",
        None,
    ),
    "date as number": (
        text("date.yaml", GROUP.format("2024-01-01")),
        1,
        "thresholdPct",
        None,
    ),
    "FIFO named .yaml": (fifo, 0, None, None),
    "link to /dev/zero": (dev_zero, 0, None, None),
    "directory named .yaml": (directory, 0, None, None),
    "3,000 files": (many_files, 0, None, None),
}


def _params() -> list[object]:
    out = []
    for name, (_, _, _, bug) in CASES.items():
        marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
        out.append(pytest.param(name, id=name, marks=marks))
    return out


@pytest.mark.parametrize("name", _params())
def test_hostile_folder_is_refused_quickly_and_clearly(
    name: str, tmp_path: Path
) -> None:
    """Check that `capacitarr validate` refuses (or skips) hostile input quickly,
    naming the file, without a traceback or a hang."""
    build, status, expected, _ = CASES[name]
    folder = tmp_path / "manifests"
    folder.mkdir()
    build(folder)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "validate", "--skip-secrets", str(folder)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    elapsed = time.monotonic() - started
    first = done.stderr.splitlines()[0] if done.stderr else done.stdout.strip()
    print(f"{name}: exit {done.returncode} in {elapsed:.2f}s: {first[:120]}")
    assert "Traceback" not in done.stderr, done.stderr[-1500:]
    assert done.returncode == status, done.stderr[-1500:] or done.stdout
    assert elapsed < QUICK
    if status == 1:
        assert first.startswith(str(folder)), first
        assert len(done.stderr.splitlines()) <= 20, "one line per problem"
        if expected is not None:
            assert expected in done.stderr
