"""The JSON Schema of manifests, for editors and for ``capacitarr schema``.

Generated from the models, so it cannot drift from what the loader accepts. It
covers shapes, types, ranges and allowed values; checks across fields (a target
below its threshold, an operator that fits its field) are made by the loader.
"""

from __future__ import annotations

from typing import Any

from controller.manifest.models import Manifest

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def manifest_json_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) that every manifest file satisfies."""
    schema = Manifest.model_json_schema(mode="validation")
    return {"$schema": DIALECT, **schema}
