"""Load a manifests folder (or one document) into the desired state.

The reconciler, ``capacitarr validate`` and the API call :func:`load_manifests`
or :func:`load_manifest_text`. Loading reads every ``*.yaml``/``*.yml`` file of
the folder in name order (not recursive, dotfiles skipped), parses each safely,
validates it, resolves secret references, merges the files and checks the whole.
Either everything is valid and a :class:`LoadedManifests` comes back, or one
:class:`ManifestError` lists every problem found, so the last good state can stay
in force.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from controller.manifest.merge import Document, Location, merge_documents
from controller.manifest.models import Manifest
from controller.manifest.problems import ManifestError, ManifestProblem
from controller.manifest.secret_refs import SecretResolver
from controller.manifest.validation import validate_document
from controller.manifest.yaml_source import parse_yaml

SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class LoadedManifests:
    """The merged desired state and where it came from.

    Attributes:
        manifest: the merged, validated manifest (secrets resolved unless the
            loader was told not to).
        digest: sha256 over the files' names and bytes; equal digests mean the
            same input, whatever the folder is called.
        files: the files read, in merge order.
        locations: where each element or setting was declared, keyed by path
            (``integrations[Sonarr]``, ``rules[2]``, ``preferences.logLevel``).
    """

    manifest: Manifest
    digest: str
    files: tuple[Path, ...]
    locations: Mapping[str, Location] = field(default_factory=dict)

    def summary(self) -> str:
        """One line saying what the manifests declare."""
        m = self.manifest
        counts = [
            _count(len(self.files), "file"),
            _count(len(m.diskGroups), "disk group"),
            _count(len(m.integrations), "integration"),
            _count(len(m.rules), "rule"),
            _count(len(m.notifications), "notification channel"),
        ]
        mode = m.effective_preferences().defaultDiskGroupMode
        return f"{', '.join(counts)}; default mode {mode}; digest {self.digest[:12]}"


def load_manifests(
    directory: str | Path,
    env: Mapping[str, str] | None = None,
    *,
    read_file: Callable[[str], str] | None = None,
    resolve_secrets: bool = True,
) -> LoadedManifests:
    """Load and merge every manifest file in a folder.

    Args:
        directory: the folder; file names in problems are shown under it as given.
        env: environment for ``${NAME}`` references; ``os.environ`` when None.
        read_file: reads ``{file: ...}`` secrets; the real file system when None.
        resolve_secrets: False checks reference syntax only (for CI without
            secrets); secret values are then unavailable.

    Returns:
        The merged desired state.

    Raises:
        ManifestError: anything is wrong; every problem is listed.
    """
    folder = Path(directory)
    if not folder.is_dir():
        problem = ManifestProblem(
            str(directory), None, "", "is not a folder; give the manifests folder"
        )
        raise ManifestError([problem])
    paths = sorted(
        path
        for path in folder.iterdir()
        if path.suffix in SUFFIXES and not path.name.startswith(".") and path.is_file()
    )
    sources: list[tuple[Path, bytes | None]] = []
    problems: list[ManifestProblem] = []
    for path in paths:
        try:
            sources.append((path, path.read_bytes()))
        except OSError as exc:
            reason = (exc.strerror or type(exc).__name__).lower()
            problems.append(
                ManifestProblem(str(path), None, "", f"cannot be read ({reason})")
            )
    resolver = SecretResolver(env, read_file) if resolve_secrets else None
    return _load(sources, problems, resolver, check_references=True)


def load_manifest_text(
    text: str | bytes,
    filename: str,
    env: Mapping[str, str] | None = None,
    *,
    read_file: Callable[[str], str] | None = None,
    resolve_secrets: bool = True,
    check_references: bool = True,
) -> LoadedManifests:
    """Load a single manifest document.

    Args:
        text: the YAML (or JSON, which is YAML) document.
        filename: how problems name the document.
        env: environment for ``${NAME}`` references; ``os.environ`` when None.
        read_file: reads ``{file: ...}`` secrets; the real file system when None.
        resolve_secrets: False checks reference syntax only.
        check_references: False skips the check that each rule's integration is
            declared in this document (for a part merged into other state).

    Raises:
        ManifestError: anything is wrong; every problem is listed.
    """
    raw = text.encode("utf-8") if isinstance(text, str) else text
    resolver = SecretResolver(env, read_file) if resolve_secrets else None
    return _load([(Path(filename), raw)], [], resolver, check_references)


def manifest_digest(sources: list[tuple[str, bytes]]) -> str:
    """Hash file names and contents in order into a stable hex digest."""
    digest = hashlib.sha256()
    for name, raw in sources:
        digest.update(f"{name}\0{len(raw)}\0".encode())
        digest.update(raw)
    return digest.hexdigest()


def _load(
    sources: list[tuple[Path, bytes | None]],
    problems: list[ManifestProblem],
    resolver: SecretResolver | None,
    check_references: bool,
) -> LoadedManifests:
    docs: list[Document] = []
    for path, raw in sources:
        if raw is None:
            continue
        try:
            parsed = parse_yaml(raw, str(path))
        except ManifestError as exc:
            problems.extend(exc.problems)
            continue
        manifest, found = validate_document(
            parsed.data, source=str(path), lines=parsed.lines, resolver=resolver
        )
        problems.extend(found)
        if manifest is not None:
            docs.append(Document(str(path), manifest, parsed.data, parsed.lines))
    # A rule may name an integration declared in a file that failed; checking
    # references then would only add noise to the real problems.
    merged = merge_documents(docs, check_references=check_references and not problems)
    problems.extend(merged.problems)
    if problems:
        order = {str(path): index for index, (path, _) in enumerate(sources)}
        problems.sort(key=lambda p: (order.get(p.file, -1), p.line or 0))
        raise ManifestError(problems)
    files = tuple(path for path, _ in sources)
    digest = manifest_digest([(path.name, raw or b"") for path, raw in sources])
    return LoadedManifests(merged.manifest, digest, files, merged.locations)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
