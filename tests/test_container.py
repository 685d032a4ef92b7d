"""Check the container definition against what the README and the docs promise."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()
README = (ROOT / "README.md").read_text()


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_readme_quick_start_has_exactly_two_commands() -> None:
    """Check that the quick start is one install+demo and one install+test command."""
    commands = quick_start_commands()
    assert len(commands) == 2
    assert commands[0].endswith("capacitarr demo")
    assert commands[1].endswith("pytest")


def test_image_installs_the_package_like_the_readme() -> None:
    """Check that the image's pip install step is the README's install step."""
    readme_install = re.search(r"pip install (\S+) &&", quick_start_commands()[0])
    assert readme_install is not None
    image_install = re.search(r"pip install --no-cache-dir (\S+)", DOCKERFILE)
    assert image_install is not None
    assert image_install.group(1) == readme_install.group(1) == "."


def test_image_runs_unprivileged_with_config_volume_port_and_healthcheck() -> None:
    """Check the container contract: non-root, PUID/PGID, /config, 2187, health."""
    assert "FROM python:3.11-slim" in DOCKERFILE
    assert 'VOLUME ["/config"]' in DOCKERFILE
    assert "EXPOSE 2187" in DOCKERFILE
    assert "/api/v1/health" in DOCKERFILE.split("HEALTHCHECK", 1)[1]
    entrypoint = (ROOT / "docker" / "entrypoint.sh").read_text()
    assert "PUID" in entrypoint and "PGID" in entrypoint
    assert "setpriv --reuid" in entrypoint
    assert "refusing to run as root" in entrypoint


def test_ci_runs_the_readme_test_command() -> None:
    """Check that .ci/run takes every step of the README's test command, in order."""
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install --quiet -e '.[test]'" in ci
    assert ci.rstrip().endswith("pytest")
    assert "pip install -e '.[test]' && pytest" in quick_start_commands()[1]
    ci_steps = [
        line.strip().replace(" --quiet", "")
        for line in ci.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    readme_steps = quick_start_commands()[1].split(" && ")
    assert [step for step in readme_steps if step not in ci_steps] == []
    positions = [ci_steps.index(step) for step in readme_steps]
    assert positions == sorted(positions), (readme_steps, ci_steps)
