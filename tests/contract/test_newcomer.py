"""A newcomer's first minutes: `capacitarr demo`, the curl commands it prints, the
contract's read-only commands, and Ctrl-C.

The commands run in a real shell with the real ``curl``, with the variables the
banner tells the user to export; where the banner or the contract pipes into
``jq``, the output is also parsed here, so the checks hold on a machine without
jq (and jq's own answer is compared when it is installed).
"""

from __future__ import annotations

import json
import os
import queue
import re
import shlex
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.contract.conftest import is_listening

CURL = shutil.which("curl")
JQ = shutil.which("jq")
SHELL = shutil.which("bash") or shutil.which("sh")
pytestmark = pytest.mark.skipif(
    CURL is None or SHELL is None,
    reason="the newcomer test runs the printed commands with the curl binary",
)

# The contract's read-only commands on $CAPACITARR_URL, exactly as written there.
CONTRACT_COMMANDS = [
    'curl "$CAPACITARR_URL/health"',
    """curl -s -H "X-Api-Key: $CAPACITARR_API_KEY" \\
  "$CAPACITARR_URL/worker/stats" | jq""",
    """curl -s -H "X-Api-Key: $CAPACITARR_API_KEY" \\
  "$CAPACITARR_URL/disk-groups" | jq""",
    """curl -s -H "X-Api-Key: $CAPACITARR_API_KEY" \\
  "$CAPACITARR_URL/rule-fields" | jq""",
    """curl -s -H "X-Api-Key: $CAPACITARR_API_KEY" \\
  "$CAPACITARR_URL/preview" | jq""",
    """curl -s -H "X-Api-Key: $CAPACITARR_API_KEY" \\
  "$CAPACITARR_URL/dashboard-stats" | jq""",
    """curl -s -H "X-Api-Key: $CAPACITARR_API_KEY" \\
  "$CAPACITARR_URL/audit-log?limit=20&offset=0" | jq""",
    """curl -s -H "X-Api-Key: $CAPACITARR_API_KEY" \\
  "$CAPACITARR_URL/audit-log/grouped" | jq""",
    """curl -s -H "X-Api-Key: $CAPACITARR_API_KEY" \\
  "$CAPACITARR_URL/approval-queue?status=pending" | jq""",
    """curl -s -H "X-Api-Key: $CAPACITARR_API_KEY" \\
  "$CAPACITARR_URL/activity/recent?limit=50" | jq""",
    """curl -s -H "X-Api-Key: $CAPACITARR_API_KEY" \\
  "$CAPACITARR_URL/analytics/dead-content" | jq""",
    """curl -s -H "X-Api-Key: $CAPACITARR_API_KEY" \\
  "$CAPACITARR_URL/analytics/stale-content" | jq""",
    """curl -s -H "X-Api-Key: $CAPACITARR_API_KEY" \\
  "$CAPACITARR_URL/analytics/forecast" | jq""",
    """curl -s -H "X-Api-Key: $CAPACITARR_API_KEY" \\
  "$CAPACITARR_URL/metrics/history?resolution=hourly&since=24h" | jq""",
    """curl -s -H "X-Api-Key: $CAPACITARR_API_KEY" \\
  "$CAPACITARR_URL/metrics/history?resolution=daily&since=30d&disk_group_id=1" | jq""",
    """curl -s -H "X-Api-Key: $CAPACITARR_API_KEY" \\
  "$CAPACITARR_URL/preferences" | jq '.defaultDiskGroupMode'""",
    """curl -s -H "X-Api-Key: $CAPACITARR_API_KEY" \\
  "$CAPACITARR_URL/audit-log?limit=50&offset=0" | jq""",
    """curl -s -H "X-Api-Key: $CAPACITARR_API_KEY" \\
  "$CAPACITARR_URL/preview" | jq '.[0:5]'""",
    """curl -s -H "X-Api-Key: $CAPACITARR_API_KEY" \\
  "$CAPACITARR_URL/settings/export?sections=rules" \\
  -o capacitarr-rules.json""",
]
CONTRACT_STREAMS = [
    'curl -N -H "X-Api-Key: $CAPACITARR_API_KEY" \\\n  "$CAPACITARR_URL/events"',
    'curl -N -H "X-Api-Key: $CAPACITARR_API_KEY" \\\n'
    '  -H "Last-Event-ID: 1741199825-002" \\\n'
    '  "$CAPACITARR_URL/events"',
]
STREAM_SECONDS = 30.0


def parse_banner(text: str) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """The banner's fields, its ``export`` lines and its commands (continuation
    lines joined, as the shell joins them)."""
    fields = dict(re.findall(r"^  ([A-Z][A-Za-z ]+):\s+(\S+)$", text, re.MULTILINE))
    tried = text.split("Try (in another terminal):", 1)[1].split("Press Ctrl-C", 1)[0]
    exports: dict[str, str] = {}
    commands: list[str] = []
    for line in re.sub(r"\\\n\s*", " ", tried).splitlines():
        line = line.strip()
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            exports[name] = shlex.split(value)[0]
        elif line:
            assert line.startswith("curl "), f"not a command: {line!r}"
            commands.append(line)
    return fields, exports, commands


def jq_like(program: str, document: Any) -> Any:
    """What ``jq PROGRAM`` shows for the filters the banner and the contract use."""
    args = shlex.split(program)
    expression = next((a for a in args if not a.startswith("-")), ".")
    if expression == ".":
        return document
    sliced = re.fullmatch(r"\.\[(\d*):(\d*)\]", expression)
    if sliced:
        start, end = (int(n) if n else None for n in sliced.groups())
        return document[start:end]
    if re.fullmatch(r"\.[A-Za-z_]\w*", expression):
        return document.get(expression[1:])
    raise AssertionError(f"a jq filter this test does not know: {program!r}")


class Shell:
    """A terminal with the banner's variables exported, in its own folder."""

    def __init__(self, exports: dict[str, str], folder: Path):
        self.env = {**os.environ, **exports}
        self.folder = folder

    def run(self, command: str) -> Any:
        """Run one command; return what it shows, JSON-decoded unless plain text.

        The part before ``| jq`` runs once; its output goes through the filter
        here and, when jq is installed, through jq as well.
        """
        assert SHELL is not None
        shown, bar, program = command.partition(" | jq")
        done = subprocess.run(
            [SHELL, "-c", shown],
            env=self.env,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, f"{command}\n{done.stderr}"
        output_file = re.search(r"-o (\S+)$", shown)
        text = (
            (self.folder / output_file.group(1)).read_text()
            if output_file
            else done.stdout
        )
        if text == "OK":
            return text
        document = json.loads(text)
        assert not (isinstance(document, dict) and "error" in document), (
            f"{command}\n{text[:500]}"
        )
        if not bar:
            return document
        result = jq_like(program, document)
        if JQ is not None:  # the same output through the real jq, as piped
            piped = subprocess.run(
                [SHELL, "-c", f"jq{program}"],
                input=text,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert piped.returncode == 0, f"{command}\n{piped.stderr}"
            assert json.loads(piped.stdout) == result, command
        return result

    def stream(
        self,
        command: str,
        enough: Callable[[list[str]], object],
        when_connected: Callable[[], object] | None = None,
    ) -> list[str]:
        """Run a ``curl -N`` command until ``enough(lines)``, for at most
        :data:`STREAM_SECONDS`; ``when_connected`` runs once the stream is open."""
        assert SHELL is not None
        process = subprocess.Popen(
            [SHELL, "-c", command],
            env=self.env,
            cwd=self.folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        lines: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        reader = threading.Thread(
            target=lambda: [lines.put(line.rstrip("\n")) for line in process.stdout],
            daemon=True,
        )
        reader.start()
        seen: list[str] = []
        try:
            deadline = time.monotonic() + STREAM_SECONDS
            while not enough(seen):
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"{command}: not enough in time: {seen}"
                try:
                    seen.append(lines.get(timeout=remaining))
                except queue.Empty:
                    continue
                if seen == [": connected"] and when_connected is not None:
                    when_connected()
            return seen
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(10)
            reader.join(10)
            process.stdout.close()


def event_key(id_line: str) -> tuple[int, int]:
    """``id: <epoch>-<seq>`` as a pair that sorts like the ids."""
    epoch, seq = id_line.removeprefix("id: ").split("-")
    return int(epoch), int(seq)


def event_ids(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("id: ")]


def has_event(lines: list[str]) -> bool:
    return any(line.startswith("event: ") or line == ": keepalive" for line in lines)


def test_newcomer_runs_the_demo_its_commands_and_the_contract(
    capacitarr, tmp_path: Path
) -> None:
    """Check that every command the demo prints and every read-only command of the
    contract works against the demo, and that Ctrl-C stops it cleanly."""
    demo = capacitarr.demo("--size", "1500")
    fields, exports, commands = parse_banner(demo.banner)
    url = f"http://127.0.0.1:{demo.port}/api/v1"
    assert fields["API"] == exports["CAPACITARR_URL"] == url
    assert fields["API key"] == exports["CAPACITARR_API_KEY"]
    login = httpx.post(f"{url}/auth/login", json={"password": fields["Admin password"]})
    assert login.status_code == 200 and login.json()["token"]
    shell = Shell(exports, tmp_path)

    # The banner's commands, in order; the stream last, with a run while it is open.
    streams = [c for c in commands if c.startswith("curl -N ")]
    runs = [c for c in commands if "/engine/run" in c]
    assert len(streams) == 1 and len(runs) == 1
    shown = {}
    for command in commands:
        if command not in streams:
            shown[command] = shell.run(command)
    by_path = {re.search(r"URL/([^\"]+)\"", c).group(1): v for c, v in shown.items()}
    assert by_path["health"] == "OK"
    media = next(g for g in by_path["disk-groups"] if g["mountPath"] == "/data/media")
    assert media["mode"] == "approval"
    assert media["usedBytes"] * 100 > media["thresholdPct"] * media["totalBytes"]
    assert len(by_path["preview"]) == 5
    assert by_path["approval-queue?status=pending"], "the approval queue is filled"
    assert by_path["status"]["conditions"]
    assert by_path["engine/run"]["status"] in ("started", "already_running")
    lines = shell.stream(
        streams[0], has_event, when_connected=lambda: shell.run(runs[0])
    )
    assert lines[0] == ": connected" and has_event(lines)

    # The contract's read-only commands, as written.
    shown = {command: shell.run(command) for command in CONTRACT_COMMANDS}
    assert shown[CONTRACT_COMMANDS[0]] == "OK"
    mode = next(c for c in CONTRACT_COMMANDS if "defaultDiskGroupMode" in c)
    assert shown[mode] == "dry-run"
    rules = json.loads((tmp_path / "capacitarr-rules.json").read_text())
    assert [r["name"] for r in rules["rules"]] == ["keep-tagged-keep", "keep-requested"]
    live = shell.stream(
        CONTRACT_STREAMS[0], has_event, when_connected=lambda: shell.run(runs[0])
    )
    assert has_event(live)
    replay = shell.stream(CONTRACT_STREAMS[1], event_ids)
    replayed = event_ids(replay)
    assert all(event_key(line) > (1741199825, 2) for line in replayed)

    # Ctrl-C
    sims = {
        int(httpx.URL(i["url"]).port or 0)
        for i in httpx.get(
            f"{url}/integrations", headers={"X-Api-Key": fields["API key"]}
        ).json()
    }
    assert len(sims) == 10
    assert demo.process.interrupt() == 0, demo.process.output()
    assert "Stopping…" in demo.process.stdout()
    assert not is_listening(demo.port)
    assert not any(is_listening(port) for port in sims), "a simulator still listens"
