"""Check secret references: resolution from env and files; values never leak."""

import json
import pickle
from pathlib import Path

import pytest

from controller.manifest import (
    ManifestError,
    SecretRef,
    UnresolvedSecretError,
    load_manifest_text,
)
from controller.manifest.convert import manifest_to_envelope, manifest_to_yaml

SECRET = "s3cr3t-value-0123456789"
WEBHOOK = "https://discord.com/api/webhooks/42/hook-token-abcdef"


def manifest_text(api_key: str, *, url: str = "http://sonarr:8989") -> str:
    return f"""
integrations:
  - name: Sonarr
    type: sonarr
    url: {url}
    apiKey: {api_key}
notifications:
  - name: Discord
    type: discord
    url: ${{HOOK}}
"""


def test_env_reference_is_resolved() -> None:
    """Check that ${NAME} takes the value from the injected environment."""
    loaded = load_manifest_text(
        manifest_text("${SONARR_KEY}"),
        "m.yaml",
        env={"SONARR_KEY": SECRET, "HOOK": WEBHOOK},
    )
    integration = loaded.manifest.integrations[0]
    assert integration.apiKey is not None
    assert integration.apiKey.reveal() == SECRET
    assert integration.apiKey.reference == "${SONARR_KEY}"
    assert loaded.manifest.notifications[0].url is not None
    assert loaded.manifest.notifications[0].url.reveal() == WEBHOOK


def test_file_reference_is_resolved_without_trailing_newline(tmp_path: Path) -> None:
    """Check that {file: ...} reads the file and drops the trailing newline."""
    secret_file = tmp_path / "sonarr_key"
    secret_file.write_text(SECRET + "\n", encoding="utf-8")
    loaded = load_manifest_text(
        manifest_text(f"{{file: {secret_file}}}"), "m.yaml", env={"HOOK": WEBHOOK}
    )
    api_key = loaded.manifest.integrations[0].apiKey
    assert api_key is not None and api_key.reveal() == SECRET
    assert api_key.to_manifest() == {"file": str(secret_file)}


def test_injected_file_reader_is_used() -> None:
    """Check that the file reader can be replaced (no real file needed)."""
    read: list[str] = []

    def fake_reader(path: str) -> str:
        read.append(path)
        return SECRET

    loaded = load_manifest_text(
        manifest_text("{file: /run/secrets/sonarr}"),
        "m.yaml",
        env={"HOOK": WEBHOOK},
        read_file=fake_reader,
    )
    assert read == ["/run/secrets/sonarr"]
    assert loaded.manifest.integrations[0].apiKey == SecretRef(
        file="/run/secrets/sonarr"
    )


def test_missing_variable_is_named_and_no_value_is_shown() -> None:
    """Check that a missing variable is named; present values never appear."""
    with pytest.raises(ManifestError) as caught:
        load_manifest_text(
            manifest_text("${SONARR_KEY}"), "m.yaml", env={"HOOK": WEBHOOK}
        )
    message = str(caught.value)
    assert message == (
        "m.yaml:6: integrations[Sonarr].apiKey: environment variable SONARR_KEY is not "
        "set; set it where Capacitarr runs, or use {file: /path} instead"
    )
    assert WEBHOOK not in message


def test_unreadable_file_is_named() -> None:
    """Check that a file the reader cannot open is named with the reason."""

    def denied(path: str) -> str:
        raise PermissionError(13, "Permission denied", path)

    with pytest.raises(ManifestError) as caught:
        load_manifest_text(
            manifest_text("{file: /run/secrets/k}"),
            "m.yaml",
            env={"HOOK": WEBHOOK},
            read_file=denied,
        )
    assert caught.value.problems[0].message == (
        "secret file /run/secrets/k cannot be read (permission denied)"
    )


def test_empty_variable_is_an_error() -> None:
    """Check that a variable set to nothing is reported like a missing one."""
    with pytest.raises(ManifestError) as caught:
        load_manifest_text(
            manifest_text("${SONARR_KEY}"),
            "m.yaml",
            env={"SONARR_KEY": " ", "HOOK": WEBHOOK},
        )
    assert (
        caught.value.problems[0].message == "environment variable SONARR_KEY is empty"
    )


def test_literal_secret_is_rejected_without_echoing_it() -> None:
    """Check that a key written in the manifest is refused and not repeated."""
    with pytest.raises(ManifestError) as caught:
        load_manifest_text(manifest_text(SECRET), "m.yaml", env={"HOOK": WEBHOOK})
    assert SECRET not in str(caught.value)
    assert caught.value.problems[0].message.startswith("secrets must be references")


def test_resolved_values_never_appear_in_dumps_or_reprs() -> None:
    """Check repr, str, model dumps, JSON, YAML and the export for the secret."""
    loaded = load_manifest_text(
        manifest_text("${SONARR_KEY}"),
        "m.yaml",
        env={"SONARR_KEY": SECRET, "HOOK": WEBHOOK},
    )
    manifest = loaded.manifest
    renderings = [
        repr(manifest),
        str(manifest),
        repr(manifest.integrations[0].apiKey),
        str(manifest.integrations[0].apiKey),
        json.dumps(manifest.model_dump(mode="json")),
        str(manifest.model_dump()),
        manifest.model_dump_json(),
        manifest_to_yaml(manifest),
        json.dumps(manifest_to_envelope(manifest)),
    ]
    for text in renderings:
        assert SECRET not in text
        assert WEBHOOK not in text
    assert "${SONARR_KEY}" in manifest.model_dump_json()


def test_disabled_integration_may_name_an_unset_variable() -> None:
    """Check that references of disabled integrations are not required."""
    text = manifest_text("${SONARR_KEY}", url="${SONARR_URL}").replace(
        "apiKey: ${SONARR_KEY}", "apiKey: ${SONARR_KEY}\n    enabled: false"
    )
    loaded = load_manifest_text(text, "m.yaml", env={"HOOK": WEBHOOK})
    integration = loaded.manifest.integrations[0]
    assert integration.apiKey is not None and not integration.apiKey.is_resolved
    with pytest.raises(UnresolvedSecretError):
        integration.apiKey.reveal()
    with pytest.raises(UnresolvedSecretError):
        _ = integration.url.url


def test_url_reference_is_resolved_and_checked() -> None:
    """Check that url: ${NAME} takes an http(s) URL from the environment."""
    env = {"SONARR_URL": "http://10.0.0.5:8989", "SONARR_KEY": SECRET, "HOOK": WEBHOOK}
    text = manifest_text("${SONARR_KEY}", url="${SONARR_URL}")
    integration = load_manifest_text(text, "m.yaml", env=env).manifest.integrations[0]
    assert integration.url.url == "http://10.0.0.5:8989"
    assert integration.url.raw == "${SONARR_URL}"


def test_references_are_kept_unresolved_when_asked() -> None:
    """Check resolve_secrets=False: syntax checked, nothing read."""
    loaded = load_manifest_text(
        manifest_text("${SONARR_KEY}"), "m.yaml", env={}, resolve_secrets=False
    )
    assert loaded.manifest.integrations[0].apiKey == SecretRef(env="SONARR_KEY")


def test_secret_refs_compare_by_reference_only() -> None:
    """Check that resolved and unresolved references to one variable are equal."""
    resolved = SecretRef(env="K", value="one")
    assert resolved == SecretRef(env="K")
    assert resolved != SecretRef(file="/k")
    assert SECRET not in repr(pickle.dumps(SecretRef(env="K")))
