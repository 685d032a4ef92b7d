"""References to secrets and to URLs kept outside the manifest.

A manifest never holds a secret. An API key or webhook URL is written as a
reference, in one of two forms::

    apiKey: ${SONARR_API_KEY}            # an environment variable
    apiKey: {file: /run/secrets/sonarr}  # a file (Docker/Kubernetes secrets)

Integration URLs may be literal or ``${ENV}`` references too. The schema types
:class:`SecretRef` and :class:`UrlRef` keep the reference as written (exports write
it back) and, once resolved by the loader through a :class:`SecretResolver`, the
value. A secret's value never appears in ``repr``, ``str`` or any dump; code that
needs it calls :meth:`SecretRef.reveal`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from controller.errors import CapacitarrError

ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
ENV_REF_PATTERN = r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$"
MAX_SECRET_FILE_BYTES = 64 * 1024

_HOW = "write ${ENV_NAME} or {file: /path/to/secret}"


class SecretUnavailableError(CapacitarrError):
    """A referenced variable or file cannot supply a value (it names which)."""


class UnresolvedSecretError(CapacitarrError):
    """A secret's value was asked for before the loader resolved it."""


def read_secret_file(path: str) -> str:
    """Read a secret file, dropping surrounding whitespace (the trailing newline).

    Raises:
        OSError: the file cannot be read (the resolver names it in its message).
        SecretUnavailableError: the file is larger than 64 KiB.
    """
    with open(path, "rb") as handle:
        raw = handle.read(MAX_SECRET_FILE_BYTES + 1)
    if len(raw) > MAX_SECRET_FILE_BYTES:
        raise SecretUnavailableError(f"secret file {path} is larger than 64 KiB")
    return raw.decode("utf-8").strip()


class SecretResolver:
    """Looks up references in an environment mapping and through a file reader.

    Args:
        env: the variables to use; ``os.environ`` when None.
        read_file: reads a secret file and may raise ``OSError``;
            :func:`read_secret_file` when None.
    """

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        read_file: Callable[[str], str] | None = None,
    ) -> None:
        self.env: Mapping[str, str] = os.environ if env is None else env
        self.read_file = read_file or read_secret_file

    def variable(self, name: str) -> str:
        """Return a variable's value, or raise naming the variable."""
        value = self.env.get(name)
        if value is None:
            raise SecretUnavailableError(
                f"environment variable {name} is not set; set it where Capacitarr "
                "runs, or use {file: /path} instead"
            )
        if not value.strip():
            raise SecretUnavailableError(f"environment variable {name} is empty")
        return value

    def file(self, path: str) -> str:
        """Return a secret file's content, or raise naming the file."""
        try:
            value = self.read_file(path)
        except FileNotFoundError:
            raise SecretUnavailableError(f"secret file {path} does not exist") from None
        except IsADirectoryError:
            raise SecretUnavailableError(f"secret file {path} is a folder") from None
        except OSError as exc:
            reason = (exc.strerror or type(exc).__name__).lower()
            message = f"secret file {path} cannot be read ({reason})"
            raise SecretUnavailableError(message) from None
        except UnicodeDecodeError:
            message = f"secret file {path} is not UTF-8 text"
            raise SecretUnavailableError(message) from None
        if not value:
            raise SecretUnavailableError(f"secret file {path} is empty")
        return value


class SecretRef:
    """A reference to a secret: ``${ENV}`` or ``{file: /path}``, plus its value."""

    __slots__ = ("_value", "env", "file")

    def __init__(
        self,
        *,
        env: str | None = None,
        file: str | None = None,
        value: str | None = None,
    ) -> None:
        if (env is None) == (file is None):
            raise ValueError("a SecretRef names exactly one of env or file")
        self.env = env
        self.file = file
        self._value = value

    @property
    def reference(self) -> str:
        """The reference as a person reads it: ``${X}`` or ``{file: /p}``."""
        return f"${{{self.env}}}" if self.env else f"{{file: {self.file}}}"

    @property
    def is_resolved(self) -> bool:
        return self._value is not None

    def reveal(self) -> str:
        """Return the secret's value.

        Raises:
            UnresolvedSecretError: the manifest was read without resolving secrets.
        """
        if self._value is None:
            raise UnresolvedSecretError(f"{self.reference} has not been resolved")
        return self._value

    def resolve(self, resolver: SecretResolver) -> SecretRef:
        """Return a copy carrying the value the resolver finds.

        Raises:
            SecretUnavailableError: naming the variable or file that is missing.
        """
        value = (
            resolver.variable(self.env) if self.env else resolver.file(str(self.file))
        )
        return SecretRef(env=self.env, file=self.file, value=value)

    def to_manifest(self) -> str | dict[str, str]:
        """The reference as written in a manifest or an export."""
        return self.reference if self.env else {"file": str(self.file)}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretRef):
            return NotImplemented
        return (self.env, self.file) == (other.env, other.file)

    def __hash__(self) -> int:
        return hash((self.env, self.file))

    def __repr__(self) -> str:
        return f"SecretRef({self.reference!r})"

    __str__ = __repr__

    @classmethod
    def parse(cls, raw: object) -> SecretRef:
        """Read a reference as written; raise a validation error naming the fix."""
        if isinstance(raw, str):
            match = ENV_REF.fullmatch(raw.strip())
            if match:
                return cls(env=match.group(1))
            if raw.strip().startswith("${"):
                raise PydanticCustomError(
                    "secret_reference",
                    "is not a valid ${ENV_NAME} reference: a name holds letters, "
                    "digits and _, and does not start with a digit",
                )
            raise PydanticCustomError(
                "secret_literal", f"secrets must be references: {_HOW}"
            )
        if isinstance(raw, Mapping):
            path = raw.get("file")
            if set(raw) != {"file"} or not isinstance(path, str):
                raise PydanticCustomError(
                    "secret_reference",
                    "a file reference is written {file: /path/to/secret}",
                )
            if not path.startswith("/"):
                raise PydanticCustomError(
                    "secret_reference", "the secret file path must be absolute"
                )
            return cls(file=path)
        raise PydanticCustomError("secret_reference", f"must be a reference: {_HOW}")

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _validate_secret,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda ref: ref.to_manifest()
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "anyOf": [
                {
                    "type": "string",
                    "pattern": ENV_REF_PATTERN,
                    "description": "An environment variable: ${ENV_NAME}",
                },
                {
                    "type": "object",
                    "properties": {"file": {"type": "string", "pattern": "^/"}},
                    "required": ["file"],
                    "additionalProperties": False,
                    "description": "A file holding the secret: {file: /run/secrets/x}",
                },
            ]
        }


def _validate_secret(raw: object) -> SecretRef:
    return raw if isinstance(raw, SecretRef) else SecretRef.parse(raw)


def http_url_problem(text: str) -> str | None:
    """Say why ``text`` is not an http(s) URL with a host, or None if it is one."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https"):
        return "must start with http:// or https://"
    if not parts.hostname:
        return "must name a host (http://host:port)"
    return None


class UrlRef:
    """A service URL written literally or as ``${ENV}``, plus its resolved value."""

    __slots__ = ("env", "raw", "value")

    def __init__(self, raw: str, env: str | None, value: str | None) -> None:
        self.raw = raw
        self.env = env
        self.value = value

    def resolve(self, resolver: SecretResolver) -> UrlRef:
        """Return a copy carrying the URL the variable holds (literals unchanged).

        Raises:
            SecretUnavailableError: the variable is missing or not an http(s) URL.
        """
        if self.env is None:
            return self
        value = resolver.variable(self.env).strip()
        problem = http_url_problem(value)
        if problem:
            raise SecretUnavailableError(f"the value of {self.raw} {problem}")
        return UrlRef(self.raw, self.env, value)

    @property
    def url(self) -> str:
        """The URL to call.

        Raises:
            UnresolvedSecretError: it is a reference the loader did not resolve.
        """
        if self.value is None:
            raise UnresolvedSecretError(f"{self.raw} has not been resolved")
        return self.value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, UrlRef):
            return NotImplemented
        return self.raw == other.raw

    def __hash__(self) -> int:
        return hash(self.raw)

    def __repr__(self) -> str:
        return f"UrlRef({self.raw!r})"

    def __str__(self) -> str:
        return self.value or self.raw

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _validate_url,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda ref: ref.raw
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": r"^(https?://[^/\s]+.*|\$\{[A-Za-z_][A-Za-z0-9_]*\})$",
            "description": "http(s)://host:port, or ${ENV_NAME} holding such a URL",
        }


def _validate_url(raw: object) -> UrlRef:
    if isinstance(raw, UrlRef):
        return raw
    if not isinstance(raw, str):
        raise PydanticCustomError("url_type", "must be a URL such as http://host:8989")
    text = raw.strip()
    match = ENV_REF.fullmatch(text)
    if match is not None:
        return UrlRef(text, match.group(1), None)
    if text.startswith("${"):
        raise PydanticCustomError(
            "url_reference",
            "is not a valid ${ENV_NAME} reference: a name holds letters, digits "
            "and _, and does not start with a digit",
        )
    problem = http_url_problem(text)
    if problem:
        raise PydanticCustomError("url", f"{problem}, got {text[:80]!r}")
    return UrlRef(text, None, text)
