"""Turn the published OpenAPI documents into JSON Schema validators.

The conformance test asks :class:`Contract` for the response schema of an
operation and validates a simulator's reply with ``jsonschema``. OpenAPI 3.0
``nullable`` becomes a ``null`` type and ``$ref`` into
``#/components/schemas`` is resolved through ``$defs``.
"""

from __future__ import annotations

import copy
import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


SPECS_MISSING = (
    "the published OpenAPI specs were not found: put shared/reference/api-specs "
    "in or above the checkout, or name the folder in CAPACITARR_API_SPECS"
)


def specs_dir() -> Path | None:
    """Return the folder of the published specs, or None where there is none.

    ``CAPACITARR_API_SPECS`` names it; otherwise it is
    ``shared/reference/api-specs`` in the checkout or in a folder above it.
    """
    env = os.environ.get("CAPACITARR_API_SPECS")
    if env:
        return Path(env)
    for base in (ROOT, *ROOT.parents):
        candidate = base / "shared" / "reference" / "api-specs"
        if candidate.is_dir():
            return candidate
    return None


def _convert(node: Any) -> Any:
    if isinstance(node, list):
        return [_convert(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _convert(v) for k, v in node.items() if k not in ("nullable", "example")}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        out["$ref"] = "#/$defs/" + ref.rsplit("/", 1)[1]
    if node.get("nullable") is True:
        if "type" in out and isinstance(out["type"], str):
            out["type"] = [out["type"], "null"]
        elif "$ref" in out or "allOf" in out or "oneOf" in out:
            out = {"anyOf": [{"type": "null"}, out]}
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


class Contract:
    """One product's spec, ready to validate replies against."""

    def __init__(self, filename: str):
        folder = specs_dir()
        if folder is None:
            raise FileNotFoundError(SPECS_MISSING)
        path = folder / filename
        text = path.read_text(encoding="utf-8")
        self.doc = (
            json.loads(text) if filename.endswith(".json") else yaml.safe_load(text)
        )
        self.defs = _convert(self.doc.get("components", {}).get("schemas", {}))
        self._paths = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$"), p)
            for p in self.doc.get("paths", {})
        ]

    def template(self, path: str) -> str:
        """Return the spec's path template matching a concrete path."""
        exact = [p for rx, p in self._paths if rx.match(path) and "{" not in p]
        if exact:
            return exact[0]
        for regex, template in self._paths:
            if regex.match(path):
                return template
        raise KeyError(f"no spec path matches {path}")

    def response_schema(self, method: str, path: str, status: str = "200") -> dict:
        """Return the JSON Schema of an operation's JSON reply."""
        op = self.doc["paths"][self.template(path)][method.lower()]
        responses = op["responses"]
        reply = (
            responses.get(status) or responses.get("200") or responses.get("default")
        )
        content = reply.get("content", {})
        media = content.get("application/json") or next(
            (v for k, v in content.items() if "json" in k), None
        )
        if media is None or "schema" not in media:
            raise KeyError(f"{method} {path}: no JSON schema for {status}")
        return _convert(copy.deepcopy(media["schema"]))

    def patch(self, name: str, prop: str, schema: dict) -> None:
        """Replace one property of a component schema (a known spec≠wire case)."""
        self.defs[name]["properties"][prop] = schema

    def validate(self, method: str, path: str, body: Any, status: str = "200") -> None:
        """Raise ``jsonschema.ValidationError`` if ``body`` breaks the schema."""
        schema = self.response_schema(method, path, status)
        schema["$defs"] = self.defs
        jsonschema.Draft202012Validator(schema).validate(body)


@cache
def contract(filename: str) -> Contract:
    """Return the (cached) contract of one spec file.

    A test that needs a spec is skipped, saying why, where the specs are not
    available (they are not ours to ship with the code).
    """
    if specs_dir() is None:
        pytest.skip(SPECS_MISSING)
    return Contract(filename)


def find_nulls(node: Any, where: str = "$") -> list[str]:
    """List the JSON paths holding null, which the *arr apps never send."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if value is None:
                found.append(f"{where}.{key}")
            else:
                found.extend(find_nulls(value, f"{where}.{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(find_nulls(value, f"{where}[{i}]"))
    return found
