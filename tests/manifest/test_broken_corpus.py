"""Check that every broken manifest in broken/ is rejected with its exact messages."""

from pathlib import Path

import pytest
import yaml

from controller.manifest import ManifestError, load_manifests

BROKEN = Path(__file__).parent / "broken"
EXPECTED: dict[str, list[str]] = yaml.safe_load(
    (BROKEN / "expected.yaml").read_text(encoding="utf-8")
)
CASES = sorted(path.name for path in BROKEN.iterdir() if path.is_dir())
# The variables the cases may reference; NOT_A_URL holds something that is not one.
ENV = {
    "SONARR_API_KEY": "sonarr-key",
    "RADARR_API_KEY": "radarr-key",
    "PLEX_TOKEN": "plex-token",
    "DISCORD_WEBHOOK_URL": "https://discord.com/api/webhooks/1/token",
    "NOT_A_URL": "sonarr:8989",
}


def test_the_corpus_is_large_and_fully_described() -> None:
    """Check that there are at least 30 cases and each has expected messages."""
    assert len(CASES) >= 30
    assert sorted(EXPECTED) == CASES


@pytest.mark.parametrize("case", CASES)
def test_broken_manifest_is_rejected_with_exact_messages(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Check that loading the case fails and lists exactly the expected problems."""
    monkeypatch.chdir(BROKEN)
    with pytest.raises(ManifestError) as caught:
        load_manifests(case, env=ENV)
    assert [str(problem) for problem in caught.value.problems] == EXPECTED[case]


@pytest.mark.parametrize("case", CASES)
def test_every_problem_names_file_and_line(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Check that each problem carries a file of the case and a line number."""
    monkeypatch.chdir(BROKEN)
    with pytest.raises(ManifestError) as caught:
        load_manifests(case, env=ENV)
    for problem in caught.value.problems:
        assert problem.file.startswith(f"{case}/")
        assert problem.line is not None and problem.line >= 1
