"""Fixtures for the contract tests: real ``capacitarr`` processes on loopback.

The contract tests drive the product the way its users do: as a process started
from the command line and spoken to over HTTP. ``capacitarr`` starts such a
process (``serve`` or ``demo``) with its output in files and stops it at the end
of the module, whatever happened; ``serve`` waits until the API answers.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

PASSWORD = "contract-password-1"
BANNER_END = "Press Ctrl-C to stop."


def free_port() -> int:
    """A TCP port nobody listens on at the moment, on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def is_listening(port: int) -> bool:
    """True when something accepts connections on ``127.0.0.1:port``."""
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> object:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def capacitarr_command() -> list[str]:
    """The installed console script, else the same entry point through Python."""
    script = Path(sys.executable).with_name("capacitarr")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "api.cli"]


class Process:
    """A child process writing stdout and stderr to files in ``folder``."""

    def __init__(self, name: str, args: list[str], folder: Path, env: dict[str, str]):
        self.name = name
        self.stdout_path = folder / f"{name}.stdout"
        self.stderr_path = folder / f"{name}.stderr"
        self._stdout = self.stdout_path.open("wb")
        self._stderr = self.stderr_path.open("wb")
        self.popen = subprocess.Popen(
            args,
            stdout=self._stdout,
            stderr=self._stderr,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=folder,
            start_new_session=True,
        )

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def output(self) -> str:
        """Both streams, for failure messages (the end of each)."""
        err = self.stderr_path.read_text(errors="replace")
        return f"--- stdout\n{self.stdout()[-3000:]}\n--- stderr\n{err[-3000:]}"

    def interrupt(self, timeout: float = 60) -> int:
        """Send SIGINT (Ctrl-C) and return the exit status."""
        self.popen.send_signal(signal.SIGINT)
        try:
            return self.popen.wait(timeout)
        finally:
            self.kill()

    def kill(self) -> None:
        """End the process if it still runs and close its files."""
        if self.alive:
            self.popen.terminate()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._stdout.close()
        self._stderr.close()


@dataclass
class Server:
    """A running ``capacitarr serve``: its API base URL and its process."""

    url: str
    port: int
    process: Process


class Capacitarr:
    """Starts ``capacitarr`` processes and remembers them, to stop them all."""

    def __init__(self, folder: Path):
        self._folder = folder
        self.started: list[Process] = []
        self.servers: list[Server] = []

    def start(self, name: str, *args: str) -> Process:
        """Run ``capacitarr ARGS`` in its own folder under the module's folder."""
        folder = self._folder / name
        folder.mkdir(parents=True, exist_ok=True)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("CAPACITARR_")
        }
        # The demo keeps its data in a temporary folder: put it under ours.
        env["TMPDIR"] = str(folder)
        env["CAPACITARR_ADMIN_PASSWORD"] = PASSWORD
        process = Process(name, [*capacitarr_command(), *args], folder, env)
        self.started.append(process)
        return process

    def serve(self, name: str) -> Server:
        """A fresh ``capacitarr serve`` (empty manifests folder, new database)."""
        for _attempt in range(3):
            port = free_port()
            manifests = self._folder / name / "manifests"
            manifests.mkdir(parents=True, exist_ok=True)
            process = self.start(
                name,
                "serve",
                "--manifests",
                str(manifests),
                "--db",
                str(self._folder / name / "capacitarr.db"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            )
            url = f"http://127.0.0.1:{port}/api/v1"
            if wait_for_health(url, process):
                self.servers.append(Server(url, port, process))
                return self.servers[-1]
            process.kill()  # the port was taken in between: try another
        raise AssertionError(f"capacitarr serve did not start:\n{process.output()}")

    def demo(self, *args: str) -> Demo:
        """``capacitarr demo --port P ARGS``, once it has printed its banner."""
        for _attempt in range(3):
            port = free_port()
            process = self.start("demo", "demo", "--port", str(port), *args)

            def printed_or_exited(process: Process = process) -> bool:
                return BANNER_END in process.stdout() or not process.alive

            wait_until(printed_or_exited, 120, "the demo's banner")
            if process.alive:
                return Demo(port, process, process.stdout())
            if "cannot listen" not in process.output():
                break
            process.kill()  # the port was taken in between: try another
        raise AssertionError(f"capacitarr demo did not start:\n{process.output()}")

    def stop_all(self) -> None:
        for process in self.started:
            process.kill()


@dataclass
class Demo:
    """A running ``capacitarr demo``: its port, process and printed banner."""

    port: int
    process: Process
    banner: str


def wait_for_health(url: str, process: Process, timeout: float = 60) -> bool:
    """Poll ``/health`` until it answers OK; False when the process exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive:
            return False
        try:
            if httpx.get(f"{url}/health", timeout=2).text == "OK":
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer in {timeout:.0f} s\n{process.output()}")


@pytest.fixture(scope="module")
def capacitarr(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Capacitarr]:
    """Start ``capacitarr`` processes; every one is stopped when the module ends."""
    starter = Capacitarr(tmp_path_factory.mktemp("capacitarr"))
    try:
        yield starter
    finally:
        starter.stop_all()
