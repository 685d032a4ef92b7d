"""The route table: every path, its resource, who may call it and its schema.

``create_app`` mounts these routes and ``api.openapi`` documents them, so the
router and the OpenAPI document cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

BASE_PATH = "/api/v1"


@dataclass(frozen=True)
class Operation:
    """One method on one path, as the OpenAPI document describes it.

    Attributes:
        summary: one line saying what the call does.
        body: pydantic model of the JSON body, if any.
        query: query parameters as (name, type, description) triples.
        status: the success status code.
        response: "json", "array", "text", "stream", "yaml" or "empty".
    """

    summary: str
    body: type[BaseModel] | dict[str, Any] | None = None
    query: tuple[tuple[str, str, str], ...] = ()
    status: int = 200
    response: str = "json"


@dataclass(frozen=True)
class Route:
    """A path (relative to ``/api/v1``) served by one resource object."""

    path: str
    resource: Any
    operations: dict[str, Operation]
    tag: str
    public: bool = False
    suffix: str | None = None


@dataclass
class RouteTable:
    """Routes in the order they are added; later lookups by path and method."""

    routes: list[Route] = field(default_factory=list)

    def add(
        self,
        path: str,
        resource: Any,
        tag: str,
        *,
        public: bool = False,
        suffix: str | None = None,
        **operations: Operation,
    ) -> None:
        """Add ``path``; keyword names are HTTP methods (get=..., post=...)."""
        ops = {method.upper(): op for method, op in operations.items()}
        self.routes.append(Route(path, resource, ops, tag, public, suffix))

    def __iter__(self) -> Iterator[Route]:
        return iter(self.routes)

    def public_paths(self) -> set[str]:
        """The full paths (with base path) that need no credentials."""
        return {BASE_PATH + route.path for route in self.routes if route.public}
