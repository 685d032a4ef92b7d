"""Build the OpenAPI 3.1 document served at ``/api/v1/openapi.json``.

The document is generated from the route table and the pydantic models that
validate request bodies, so it lists exactly the routes the app serves.
"""

from __future__ import annotations

import re
from typing import Any

import falcon
from pydantic import BaseModel

from api.routes import BASE_PATH, Operation, RouteTable

_PARAM = re.compile(r"{(\w+)(?::\w+)?}")
_ERROR = {
    "type": "object",
    "properties": {"error": {"type": "string"}},
    "required": ["error"],
}


def build(table: RouteTable, version: str) -> dict[str, Any]:
    """Return the OpenAPI document for every route in ``table``."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Error": _ERROR}
    for route in table:
        item = paths.setdefault(BASE_PATH + route.path, {})
        for method, op in route.operations.items():
            item[method.lower()] = _operation(
                route.path, route.tag, route.public, op, schemas
            )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Capacitarr API",
            "version": version,
            "description": "Keeps media disks below their usage threshold.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
                "apiKeyQuery": {"type": "apiKey", "in": "query", "name": "apikey"},
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
        },
        "security": [{"apiKeyHeader": []}, {"apiKeyQuery": []}, {"bearer": []}],
    }


def _operation(
    path: str, tag: str, public: bool, op: Operation, schemas: dict[str, Any]
) -> dict[str, Any]:
    doc: dict[str, Any] = {"summary": op.summary, "tags": [tag]}
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PARAM.findall(path)
    ]
    parameters += [
        {
            "name": name,
            "in": "query",
            "required": False,
            "schema": {"type": kind},
            "description": text,
        }
        for name, kind, text in op.query
    ]
    if parameters:
        doc["parameters"] = parameters
    if op.body is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(op.body, schemas)}},
        }
    doc["responses"] = _responses(op, public)
    if public:
        doc["security"] = []
    return doc


def _schema(body: type[BaseModel] | dict[str, Any], schemas: dict[str, Any]) -> Any:
    if isinstance(body, dict):
        return body
    schema = body.model_json_schema(
        by_alias=True, ref_template="#/components/schemas/{model}"
    )
    for name, definition in schema.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    schemas.setdefault(body.__name__, schema)
    return {"$ref": f"#/components/schemas/{body.__name__}"}


def _responses(op: Operation, public: bool) -> dict[str, Any]:
    content: dict[str, Any]
    if op.response == "stream":
        content = {"text/event-stream": {"schema": {"type": "string"}}}
    elif op.response == "text":
        content = {"text/plain": {"schema": {"type": "string"}}}
    elif op.response == "array":
        content = {"application/json": {"schema": {"type": "array", "items": {}}}}
    else:
        content = {"application/json": {"schema": {"type": "object"}}}
    ok: dict[str, Any] = {"description": falcon.code_to_http_status(op.status)[4:]}
    if op.response != "empty":
        ok["content"] = content
    error = {
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
        }
    }
    responses: dict[str, Any] = {
        str(op.status): ok,
        "400": {"description": "Bad request", **error},
    }
    if not public:
        responses["401"] = {"description": "Unauthorized", **error}
    return responses
