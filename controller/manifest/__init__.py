"""Desired state as YAML manifests: schema, loading, merging and conversion.

Public face of the package; other packages import from here:

* :func:`load_manifests` / :func:`load_manifest_text` -> :class:`LoadedManifests`
* :class:`Manifest` and its section models, the schema of manifests and exports
* :class:`ManifestError` carrying :class:`ManifestProblem` values
* :class:`SecretRef` / :class:`UrlRef` / :class:`SecretResolver` for references
* conversion to and from the settings export in ``controller.manifest.convert``
* the rule field table in ``controller.manifest.rule_fields``
"""

from controller.manifest.loader import (
    LoadedManifests,
    load_manifest_text,
    load_manifests,
)
from controller.manifest.merge import Location
from controller.manifest.models import (
    DiskGroup,
    Integration,
    Manifest,
    NotificationChannel,
    PathMapping,
    Preferences,
    Rule,
    ScoringWeights,
)
from controller.manifest.problems import ManifestError, ManifestProblem
from controller.manifest.secret_refs import (
    SecretRef,
    SecretResolver,
    SecretUnavailableError,
    UnresolvedSecretError,
    UrlRef,
)
from controller.manifest.validation import validate_document

__all__ = [
    "DiskGroup",
    "Integration",
    "LoadedManifests",
    "Location",
    "Manifest",
    "ManifestError",
    "ManifestProblem",
    "NotificationChannel",
    "PathMapping",
    "Preferences",
    "Rule",
    "ScoringWeights",
    "SecretRef",
    "SecretResolver",
    "SecretUnavailableError",
    "UnresolvedSecretError",
    "UrlRef",
    "load_manifest_text",
    "load_manifests",
    "validate_document",
]
