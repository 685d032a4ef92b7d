"""Resolve the references in a validated manifest into values.

The loader runs :func:`resolve_references` on each document after validation.
Integration URLs and API keys and channel URLs are looked up through a
:class:`SecretResolver`. A reference that cannot be resolved is a problem only
for an enabled integration or channel: a disabled one may name a variable that
is not set yet, and keeps its reference unresolved until it is enabled.
"""

from __future__ import annotations

from controller.manifest.models import Integration, Manifest, NotificationChannel
from controller.manifest.problems import Loc
from controller.manifest.secret_refs import (
    SecretResolver,
    SecretUnavailableError,
    http_url_problem,
)

Finding = tuple[Loc, str]


def resolve_references(
    manifest: Manifest, resolver: SecretResolver
) -> tuple[Manifest, list[Finding]]:
    """Return the manifest with references resolved, and what could not be.

    Args:
        manifest: a validated manifest whose references are unresolved.
        resolver: where variables and files are read.

    Returns:
        The resolved manifest and ``(location, message)`` findings for enabled
        integrations and channels whose references cannot be resolved. Messages
        name the variable or file, never a value.
    """
    findings: list[Finding] = []
    integrations = tuple(
        _integration(item, index, resolver, findings)
        for index, item in enumerate(manifest.integrations)
    )
    channels = tuple(
        _channel(item, index, resolver, findings)
        for index, item in enumerate(manifest.notifications)
    )
    resolved = manifest.model_copy(
        update={"integrations": integrations, "notifications": channels}
    )
    return resolved, findings


def _integration(
    item: Integration, index: int, resolver: SecretResolver, findings: list[Finding]
) -> Integration:
    update: dict[str, object] = {}
    try:
        update["url"] = item.url.resolve(resolver)
    except SecretUnavailableError as exc:
        if item.enabled:
            findings.append((("integrations", index, "url"), str(exc)))
    if item.apiKey is not None:
        try:
            update["apiKey"] = item.apiKey.resolve(resolver)
        except SecretUnavailableError as exc:
            if item.enabled:
                findings.append((("integrations", index, "apiKey"), str(exc)))
    return item.model_copy(update=update)


def _channel(
    item: NotificationChannel,
    index: int,
    resolver: SecretResolver,
    findings: list[Finding],
) -> NotificationChannel:
    if item.url is None:
        return item
    loc: Loc = ("notifications", index, "url")
    try:
        url = item.url.resolve(resolver)
    except SecretUnavailableError as exc:
        if item.enabled:
            findings.append((loc, str(exc)))
        return item
    problem = http_url_problem(url.reveal())
    if problem:
        if item.enabled:
            findings.append((loc, f"the value of {url.reference} {problem}"))
        return item
    return item.model_copy(update={"url": url})
