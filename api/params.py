"""Parse and check what a client sent: path ids, query parameters, JSON bodies.

Every failure raises ``BadRequest`` naming the field and what it accepts, so a
resource validates before it changes anything.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import falcon
from pydantic import BaseModel, ValidationError

from api.errors import BadRequest

M = TypeVar("M", bound=BaseModel)

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def path_id(value: str, name: str = "id") -> int:
    """Return a positive integer id from a path segment."""
    if not value.isdigit() or int(value) <= 0 or len(value) > 18:
        raise BadRequest(
            f"must be a positive integer, got {value!r}",
            field=name,
        )
    return int(value)


def query_int(
    req: falcon.Request,
    name: str,
    default: int | None,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    """Return an integer query parameter within [minimum, maximum]."""
    raw = req.get_param(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(
            f"must be an integer, got {raw!r}",
            field=name,
            accepted=_range(minimum, maximum),
        ) from None
    if (minimum is not None and value < minimum) or (
        maximum is not None and value > maximum
    ):
        raise BadRequest(
            f"out of range: {value}", field=name, accepted=_range(minimum, maximum)
        )
    return value


def _range(minimum: int | None, maximum: int | None) -> str | None:
    if minimum is None and maximum is None:
        return None
    if maximum is None:
        return f"{minimum} or more"
    if minimum is None:
        return f"{maximum} or less"
    return f"{minimum}..{maximum}"


def query_choice(
    req: falcon.Request, name: str, choices: Iterable[str], default: str | None
) -> str | None:
    """Return a query parameter that must be one of ``choices``."""
    raw = req.get_param(name)
    if raw is None or raw == "":
        return default
    allowed = list(choices)
    if raw not in allowed:
        raise BadRequest(f"unknown value {raw!r}", field=name, accepted=allowed)
    return raw


def query_bool(req: falcon.Request, name: str, default: bool = False) -> bool:
    """Return a boolean query parameter (true/false, 1/0, yes/no)."""
    raw = req.get_param(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise BadRequest(f"not a boolean: {raw!r}", field=name, accepted=["true", "false"])


def query_str(req: falcon.Request, name: str, *, max_length: int = 200) -> str:
    """Return a trimmed free-text query parameter ("" when absent)."""
    raw = (req.get_param(name) or "").strip()
    if len(raw) > max_length:
        raise BadRequest(f"longer than {max_length} characters", field=name)
    return raw


def read_json(req: falcon.Request, *, default: Any = None) -> Any:
    """Return the decoded JSON body; an empty body yields ``default``."""
    raw = req.bounded_stream.read()
    if not raw.strip():
        return {} if default is None else default
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest(f"request body is not valid JSON: {error}") from None


def read_object(req: falcon.Request) -> dict[str, Any]:
    """Return the JSON body, which must be an object."""
    body = read_json(req)
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object")
    return body


def parse_model(model: type[M], data: Any, *, prefix: str = "") -> M:
    """Validate ``data`` with a pydantic model; errors become ``BadRequest``."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise validation_error(error, model, prefix=prefix) from None


def validation_error(
    error: ValidationError, model: type[BaseModel] | None = None, *, prefix: str = ""
) -> BadRequest:
    """Turn the first pydantic error into a message a person can act on."""
    first = error.errors()[0]
    field = prefix + _location(first["loc"])
    ctx: Mapping[str, Any] = first.get("ctx") or {}
    kind = first["type"]
    if kind in {"literal_error", "enum"}:
        return BadRequest(
            f"unknown value {first.get('input')!r}",
            field=field or None,
            accepted=str(ctx.get("expected", "")).replace("'", ""),
        )
    if kind == "extra_forbidden":
        accepted = _fields_at(model, first["loc"][:-1]) if model else None
        return BadRequest("unknown field", field=field or None, accepted=accepted)
    if kind == "missing":
        return BadRequest("is required", field=field or None)
    message = str(first["msg"]).removeprefix("Value error, ")
    return BadRequest(message, field=field or None)


def _location(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str] | None:
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields:
            return None
        info = _field_by_name(fields, part)
        if info is None:
            return None
        current = _model_of(info.annotation)
    fields = getattr(current, "model_fields", None)
    if not fields:
        return None
    return sorted(info.alias or name for name, info in fields.items())


def _field_by_name(fields: Mapping[str, Any], name: str) -> Any:
    for key, info in fields.items():
        if name in (key, info.alias):
            return info
    return None


def _model_of(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None
