"""Check loading a manifests folder: merging by natural key, conflicts, digest."""

from pathlib import Path

import pytest

from controller.manifest import (
    ManifestError,
    load_manifest_text,
    load_manifests,
)

ENV = {"SONARR_API_KEY": "sonarr-key", "RADARR_API_KEY": "radarr-key"}

SONARR = """
integrations:
  - name: Sonarr
    type: sonarr
    url: http://sonarr:8989
    apiKey: ${SONARR_API_KEY}
"""


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_files_merge_by_natural_key(tmp_path: Path) -> None:
    """Check that sections from several files end up in one manifest."""
    folder = write(
        tmp_path / "m",
        {
            "a-integrations.yaml": SONARR,
            "b-disks.yaml": "diskGroups:\n  - mountPath: /data\n"
            "    thresholdPct: 90\n    targetPct: 80\n",
            "c-rules.yaml": "rules:\n  - name: keep\n    field: tag\n"
            "    operator: contains\n    value: keep\n    effect: always_keep\n"
            "    integration: Sonarr\n",
        },
    )
    loaded = load_manifests(folder, env=ENV)
    manifest = loaded.manifest
    assert [i.name for i in manifest.integrations] == ["Sonarr"]
    assert [g.mountPath for g in manifest.diskGroups] == ["/data"]
    assert manifest.rules[0].integration == "Sonarr"
    assert [p.name for p in loaded.files] == [
        "a-integrations.yaml",
        "b-disks.yaml",
        "c-rules.yaml",
    ]
    assert str(loaded.locations["rules[keep]"]) == f"{folder}/c-rules.yaml:2"


def test_identical_declarations_in_two_files_are_fine(tmp_path: Path) -> None:
    """Check that the same key with the same values in two files merges to one."""
    folder = write(tmp_path / "m", {"a.yaml": SONARR, "b.yaml": SONARR})
    loaded = load_manifests(folder, env=ENV)
    assert len(loaded.manifest.integrations) == 1
    assert str(loaded.locations["integrations[Sonarr]"]) == f"{folder}/a.yaml:3"


def test_conflicting_declarations_name_both_files_and_lines(tmp_path: Path) -> None:
    """Check that a key declared differently in two files names both places."""
    other = SONARR.replace("http://sonarr:8989", "http://other:8989")
    folder = write(tmp_path / "m", {"a.yaml": SONARR, "b.yaml": other})
    with pytest.raises(ManifestError) as caught:
        load_manifests(folder, env=ENV)
    (problem,) = caught.value.problems
    assert problem.file == f"{folder}/b.yaml"
    assert problem.line == 5
    assert problem.path == "integrations[Sonarr].url"
    assert f"{folder}/a.yaml:5" in problem.message


def test_preferences_merge_field_by_field(tmp_path: Path) -> None:
    """Check that two files may each set different preference fields."""
    folder = write(
        tmp_path / "m",
        {
            "a.yaml": "preferences:\n  logLevel: debug\n",
            "b.yaml": "preferences:\n  pollIntervalSeconds: 600\n"
            "scoringWeights:\n  rating: 1\n",
            "c.yaml": "scoringWeights:\n  file_size: 9\n",
        },
    )
    manifest = load_manifests(folder, env=ENV).manifest
    assert manifest.preferences is not None
    assert manifest.preferences.logLevel == "debug"
    assert manifest.preferences.pollIntervalSeconds == 600
    assert manifest.preferences.model_fields_set == {"logLevel", "pollIntervalSeconds"}
    weights = manifest.effective_weights()
    assert (weights.rating, weights.file_size, weights.watch_history) == (1, 9, 10)


def test_unnamed_rules_append_in_file_order(tmp_path: Path) -> None:
    """Check that unnamed rules never conflict and keep the order of the files."""
    rule = (
        "  - field: title\n    operator: contains\n"
        "    value: {v}\n    effect: lean_keep\n"
    )
    folder = write(
        tmp_path / "m",
        {
            "1.yaml": "rules:\n" + rule.format(v="a") + rule.format(v="b"),
            "2.yml": "rules:\n" + rule.format(v="a"),
        },
    )
    manifest = load_manifests(folder, env=ENV).manifest
    assert [r.value for r in manifest.rules] == ["a", "b", "a"]


def test_only_yaml_files_outside_dotfiles_are_read(tmp_path: Path) -> None:
    """Check that other files, dotfiles and subfolders are ignored."""
    folder = write(
        tmp_path / "m",
        {
            "a.yaml": SONARR,
            ".a.yaml.swp": "garbage: [",
            ".hidden.yaml": "garbage: [",
            "notes.txt": "garbage: [",
        },
    )
    write(folder / "sub.yaml", {"x.yaml": "garbage: ["})
    loaded = load_manifests(folder, env=ENV)
    assert [p.name for p in loaded.files] == ["a.yaml"]


def test_empty_folder_is_an_empty_manifest(tmp_path: Path) -> None:
    """Check that a folder without manifests loads as an empty desired state."""
    loaded = load_manifests(tmp_path, env={})
    assert loaded.files == ()
    assert loaded.manifest.effective_preferences().defaultDiskGroupMode == "dry-run"


def test_missing_folder_is_reported(tmp_path: Path) -> None:
    """Check that a folder that does not exist is one clear problem."""
    with pytest.raises(ManifestError) as caught:
        load_manifests(tmp_path / "nope", env={})
    assert (
        str(caught.value)
        == f"{tmp_path}/nope: is not a folder; give the manifests folder"
    )


def test_digest_is_stable_and_follows_content(tmp_path: Path) -> None:
    """Check that the digest ignores the folder's name but not a changed byte."""
    first = load_manifests(write(tmp_path / "a", {"x.yaml": SONARR}), env=ENV)
    second = load_manifests(write(tmp_path / "b", {"x.yaml": SONARR}), env=ENV)
    renamed = load_manifests(write(tmp_path / "c", {"y.yaml": SONARR}), env=ENV)
    changed = load_manifests(write(tmp_path / "d", {"x.yaml": SONARR + "\n"}), env=ENV)
    assert first.digest == second.digest
    assert len({first.digest, renamed.digest, changed.digest}) == 3


def test_problems_of_all_files_are_collected(tmp_path: Path) -> None:
    """Check that every file's problems are reported together, sorted by file."""
    folder = write(
        tmp_path / "m",
        {
            "a.yaml": "preferences:\n  logLevel: loud\n",
            "b.yaml": "diskGroups: [",
            "c.yaml": "scoringWeights:\n  rating: 99\n",
        },
    )
    with pytest.raises(ManifestError) as caught:
        load_manifests(folder, env=ENV)
    assert [Path(p.file).name for p in caught.value.problems] == [
        "a.yaml",
        "b.yaml",
        "c.yaml",
    ]


def test_references_to_integrations_in_a_broken_file_are_not_reported(
    tmp_path: Path,
) -> None:
    """Check that a rule naming an integration from an invalid file adds no noise."""
    folder = write(
        tmp_path / "m",
        {
            "a.yaml": SONARR.replace("sonarr:8989", "sonarr:notaport"),
            "b.yaml": "rules:\n  - field: title\n    operator: contains\n"
            "    value: x\n    effect: lean_keep\n    integration: Sonarr\n",
        },
    )
    with pytest.raises(ManifestError) as caught:
        load_manifests(folder, env=ENV)
    assert [p.path for p in caught.value.problems] == ["integrations[Sonarr].url"]


def test_single_document_loads_from_text() -> None:
    """Check load_manifest_text on one document, JSON included."""
    loaded = load_manifest_text(SONARR, "inline.yaml", env=ENV)
    assert loaded.files == (Path("inline.yaml"),)
    as_json = (
        '{"diskGroups": [{"mountPath": "/d", "thresholdPct": 90, "targetPct": 5}]}'
    )
    assert (
        load_manifest_text(as_json, "body.json").manifest.diskGroups[0].targetPct == 5
    )


def test_rules_part_can_skip_the_reference_check() -> None:
    """Check that a rules-only part may name integrations declared elsewhere."""
    text = "rules:\n  - field: title\n    operator: contains\n    value: x\n"
    text += "    effect: lean_keep\n    integration: Elsewhere\n"
    with pytest.raises(ManifestError):
        load_manifest_text(text, "rules.yaml", env={})
    loaded = load_manifest_text(text, "rules.yaml", env={}, check_references=False)
    assert loaded.manifest.rules[0].integration == "Elsewhere"


def test_summary_counts_what_was_declared(tmp_path: Path) -> None:
    """Check the one-line summary."""
    loaded = load_manifests(write(tmp_path / "m", {"a.yaml": SONARR}), env=ENV)
    assert loaded.summary().startswith(
        "1 file, 0 disk groups, 1 integration, 0 rules, 0 notification channels; "
        "default mode dry-run; digest "
    )
