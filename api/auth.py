"""Who is calling: passwords, JWTs, API keys and the middleware that checks them.

Accepted credentials, first present wins: ``Authorization: Bearer <jwt>`` or
``Bearer <api key>`` (also ``ApiKey <key>``), then ``X-Api-Key``, then the
``apikey`` query parameter. A present but invalid credential is refused; it never
falls through to the next one. Passwords are bcrypt hashes; API keys are stored
as SHA-256 hashes with a four-character hint; the JWT secret persists in the
store unless given from outside.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import bcrypt
import falcon
import jwt

from api.errors import Unauthorized

TOKEN_LIFETIME = 24 * 3600
JWT_ALGORITHM = "HS256"
DEFAULT_USERNAME = "admin"
SECRET_NAME = "jwt_secret"


class Accounts(Protocol):
    """What auth needs from the user store (see ``api.accounts``)."""

    def count(self) -> int: ...
    def default_username(self) -> str | None: ...
    def password_hash(self, username: str) -> str | None: ...
    def username_for_key(self, key_hash: str) -> str | None: ...


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: the user and how they proved it."""

    username: str
    method: str  # "jwt" or "apikey"

    @property
    def origin(self) -> str:
        """The origin recorded on every change this caller makes."""
        return f"api:{self.method}:{self.username}"


def hash_password(password: str, rounds: int = 12) -> str:
    """Return a bcrypt hash of ``password``."""
    salt = bcrypt.gensalt(rounds=rounds)
    return bcrypt.hashpw(password.encode(), salt).decode()


def check_password(password: str, hashed: str | None) -> bool:
    """True when ``password`` matches the bcrypt ``hashed`` value."""
    if not hashed:
        return False
    try:
        return bcrypt.checkpw(password.encode(), hashed.encode())
    except ValueError:
        return False


def hash_api_key(key: str) -> str:
    """The stored form of an API key: ``sha256:<hex>``."""
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def new_api_key() -> tuple[str, str, str]:
    """Return a fresh key, its stored hash and its hint (last four characters)."""
    key = secrets.token_hex(32)
    return key, hash_api_key(key), key[-4:]


class Tokens:
    """Issue and verify the HS256 JWTs handed out by ``POST /auth/login``."""

    def __init__(self, secret: str, clock: Callable[[], float] = time.time):
        # A short configured secret is stretched so HS256 gets a full-size key.
        if len(secret.encode()) < 32:
            secret = hashlib.sha256(secret.encode()).hexdigest()
        self._secret = secret
        self._clock = clock

    def issue(self, username: str) -> str:
        """Return a token for ``username`` valid for 24 hours."""
        now = int(self._clock())
        claims = {"sub": username, "iat": now, "exp": now + TOKEN_LIFETIME}
        return jwt.encode(claims, self._secret, algorithm=JWT_ALGORITHM)

    def verify(self, token: str) -> str | None:
        """Return the username of a valid token, else None."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[JWT_ALGORITHM],
                options={"require": ["sub", "exp"], "verify_exp": False},
            )
        except jwt.PyJWTError:
            return None
        subject = claims.get("sub")
        expires = claims.get("exp")
        if not isinstance(subject, str) or not subject:
            return None
        if not isinstance(expires, int) or expires <= self._clock():
            return None
        return subject


def _looks_like_jwt(value: str) -> bool:
    return value.count(".") == 2


class AuthMiddleware:
    """Refuse every request to a non-public route without a valid credential.

    Sets ``req.context.caller`` (a :class:`Caller`) and ``req.context.origin``.
    """

    def __init__(self, accounts: Accounts, tokens: Tokens, public: set[str]):
        self._accounts = accounts
        self._tokens = tokens
        self._public = public

    def process_resource(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, params: Any
    ) -> None:
        if req.uri_template in self._public:
            return
        caller = self.authenticate(req)
        if caller is None:
            raise Unauthorized("Unauthorized")
        req.context.caller = caller
        req.context.origin = caller.origin

    def authenticate(self, req: falcon.Request) -> Caller | None:
        """Return the caller proven by the first credential present, or None."""
        header = req.get_header("Authorization")
        if header:
            scheme, _, value = header.strip().partition(" ")
            value = value.strip()
            if not value:
                return None
            if scheme.lower() == "bearer":
                if _looks_like_jwt(value):
                    return self._from_token(value)
                return self._from_key(value)
            if scheme.lower() == "apikey":
                return self._from_key(value)
            return None
        key = req.get_header("X-Api-Key") or req.get_param("apikey")
        if key:
            return self._from_key(key.strip())
        return None

    def _from_token(self, token: str) -> Caller | None:
        username = self._tokens.verify(token)
        if username is None or self._accounts.password_hash(username) is None:
            return None
        return Caller(username, "jwt")

    def _from_key(self, key: str) -> Caller | None:
        username = self._accounts.username_for_key(hash_api_key(key))
        return Caller(username, "apikey") if username else None
