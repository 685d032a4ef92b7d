"""Validate one document against the schema and word every problem for a person.

:func:`validate_document` is what the loader runs on each parsed file and what
the API can run on a JSON body: it returns the :class:`Manifest` or the list of
problems, each with file, line (when known), field path and an actionable
message. Pydantic's own wording is translated here so that messages read the
same everywhere ("must be at least 60, got 30").
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from controller.manifest.models import Manifest
from controller.manifest.problems import Loc, ManifestProblem, display_path, line_for
from controller.manifest.resolve import resolve_references
from controller.manifest.secret_refs import SecretResolver


def validate_document(
    data: Any,
    *,
    source: str,
    lines: Mapping[Loc, int] | None = None,
    resolver: SecretResolver | None = None,
) -> tuple[Manifest | None, list[ManifestProblem]]:
    """Check one document (a parsed file or a request body) against the schema.

    Args:
        data: the parsed document; ``None`` is an empty manifest.
        source: the file name (or another label) used in problems.
        lines: location -> line map from the YAML parser, if any.
        resolver: resolves secret and URL references of enabled integrations and
            channels; without one references stay unresolved (their syntax is
            still checked).

    Returns:
        ``(manifest, [])`` when valid, else ``(None, problems)``.
    """
    lines = lines or {}
    if data is None:
        return Manifest.model_validate({}), []
    if not isinstance(data, Mapping):
        kind = _kind(data)
        message = (
            "the top level must be a mapping of sections (preferences, scoringWeights, "
            f"diskGroups, integrations, rules, notifications), got {kind}"
        )
        return None, [ManifestProblem(source, lines.get(()), "", message)]
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        problems = [
            ManifestProblem(
                source,
                line_for(tuple(error["loc"]), lines),
                display_path(error["loc"], data),
                describe_error(error),
            )
            for error in exc.errors(include_url=False)
        ]
        return None, problems
    if resolver is None:
        return manifest, []
    manifest, findings = resolve_references(manifest, resolver)
    problems = [
        ManifestProblem(source, line_for(loc, lines), display_path(loc, data), message)
        for loc, message in findings
    ]
    return (None, problems) if problems else (manifest, [])


def describe_error(error: ErrorDetails) -> str:
    """Turn one pydantic error into a message; never echo a secret field's input."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    got = f", got {_show(value)}"
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return _unknown_key(error["loc"])
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        if "," not in expected:
            return f"must be {expected}{got}"
        return f"must be one of {expected}{got}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number{got}"
    if kind in ("float_type", "float_parsing", "finite_number"):
        return f"must be a number{got}"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false{got}"
    if kind == "string_type":
        return f"must be text{got}"
    if kind in ("tuple_type", "list_type"):
        return f"must be a list{got}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"must be a mapping of keys{got}"
    bounds = {
        "greater_than": "more than {gt}",
        "greater_than_equal": "at least {ge}",
        "less_than": "less than {lt}",
        "less_than_equal": "at most {le}",
    }
    if kind in bounds:
        limits = {
            key: int(limit)
            if isinstance(limit, float) and limit.is_integer()
            else limit
            for key, limit in ctx.items()
        }
        return f"must be {bounds[kind].format(**limits)}{got}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        if str(ctx.get("pattern", "")).startswith("^(/"):
            return f"must be an absolute path such as /data{got}"
        return f"must not start or end with spaces{got}"
    if kind.startswith(("datetime", "date")):
        return f"must be a date-time such as 2026-03-06T12:00:00Z{got}"
    message = error["msg"]
    return message.removeprefix("Value error, ")


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing (null)"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    return _kind(value)


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "a list"
    if isinstance(value, bool | int | float | str) or value is None:
        return f"{type(value).__name__} {_show(value)}"
    # Dates and other YAML scalars: name the type and show the text as written.
    return f"a {type(value).__name__} ({value})"


def _unknown_key(loc: Sequence[str | int]) -> str:
    allowed = _allowed_keys(loc[:-1])
    key = str(loc[-1])
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean {close[0]}?"
    if allowed:
        return "unknown key; expected one of " + ", ".join(allowed)
    return "unknown key"


def _allowed_keys(loc: Sequence[str | int]) -> list[str]:
    """The keys the model at ``loc`` accepts (by alias), walking from Manifest."""
    model: type[BaseModel] | None = Manifest
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = next(
            (f for n, f in model.model_fields.items() if (f.alias or n) == part), None
        )
        model = _model_in(field.annotation) if field else None
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
