"""Login, auth status, password and username changes, API keys.

``POST /auth/login`` takes ``{"password"}`` (the single admin) or
``{"username", "password"}``; on a fresh install the first login creates the
admin with the password given, unless ``CAPACITARR_ADMIN_PASSWORD`` did so at
start. Logins are limited to 10 per 15 minutes per client.
"""

from __future__ import annotations

import falcon
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from api.auth import DEFAULT_USERNAME, check_password, hash_password
from api.context import ApiContext, client_address
from api.errors import BadRequest, Conflict, Unauthorized
from api.params import parse_model, read_object
from api.routes import Operation, RouteTable

MIN_PASSWORD = 8
MIN_USERNAME = 3


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginBody(_Body):
    """Credentials; ``username`` defaults to the single admin."""

    username: StrictStr | None = Field(None, max_length=100)
    password: StrictStr = Field(min_length=1, max_length=1000)


class PasswordBody(_Body):
    """The current password and the new one (8 characters or more)."""

    currentPassword: StrictStr = Field(min_length=1, max_length=1000)
    newPassword: StrictStr = Field(min_length=MIN_PASSWORD, max_length=1000)


class UsernameBody(_Body):
    """The new name (3 characters or more) and the current password."""

    newUsername: StrictStr = Field(
        min_length=MIN_USERNAME, max_length=100, pattern=r"^\S+$"
    )
    currentPassword: StrictStr = Field(min_length=1, max_length=1000)


class Login:
    """``POST /auth/login``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        self._ctx.limits.login.check(client_address(req))
        body = parse_model(LoginBody, read_object(req))
        accounts = self._ctx.accounts
        username = body.username or accounts.default_username() or DEFAULT_USERNAME
        if accounts.count() == 0:
            accounts.bootstrap(
                username, hash_password(body.password, self._ctx.bcrypt_rounds)
            )
        if not check_password(body.password, accounts.password_hash(username)):
            raise Unauthorized("Invalid credentials")
        self._ctx.bus.publish("login", f"User logged in: {username}", username=username)
        resp.media = {
            "message": "success",
            "token": self._ctx.tokens.issue(username),
            "username": username,
        }


class Status:
    """``GET /auth/status``: whether an admin exists yet."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"initialized": self._ctx.accounts.count() > 0}


class Password:
    """``PUT /auth/password``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_put(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = parse_model(PasswordBody, read_object(req))
        username = req.context.caller.username
        accounts = self._ctx.accounts
        if not check_password(body.currentPassword, accounts.password_hash(username)):
            raise Unauthorized("Current password is incorrect")
        accounts.set_password(
            username, hash_password(body.newPassword, self._ctx.bcrypt_rounds)
        )
        self._ctx.bus.publish(
            "password_changed", f"Password changed for {username}", username=username
        )
        resp.media = {"message": "Password changed successfully"}


class Username:
    """``PUT /auth/username``: rename; the answer carries a token for the new name."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_put(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = parse_model(UsernameBody, read_object(req))
        username = req.context.caller.username
        accounts = self._ctx.accounts
        if body.newUsername == username:
            raise BadRequest("is the current username", field="newUsername")
        if accounts.password_hash(body.newUsername) is not None:
            raise Conflict("Username already taken")
        if not check_password(body.currentPassword, accounts.password_hash(username)):
            raise Unauthorized("Current password is incorrect")
        accounts.rename(username, body.newUsername)
        self._ctx.bus.publish(
            "username_changed",
            f"Username changed from {username} to {body.newUsername}",
            oldUsername=username,
            newUsername=body.newUsername,
        )
        resp.media = {
            "message": "Username changed successfully",
            "token": self._ctx.tokens.issue(body.newUsername),
        }


class ApiKey:
    """``GET/POST /auth/apikey``: whether a key exists; make a new one."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        hint = self._ctx.accounts.api_key_hint(req.context.caller.username)
        resp.media = {"has_key": hint is not None, "hint": hint or ""}

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        username = req.context.caller.username
        key, hint = self._ctx.accounts.new_api_key(username)
        self._ctx.bus.publish(
            "api_key_generated",
            f"API key generated for {username} (ending in {hint})",
            username=username,
            hint=hint,
        )
        resp.media = {"api_key": key}


def register(table: RouteTable, ctx: ApiContext) -> None:
    """Add the auth routes."""
    table.add(
        "/auth/login",
        Login(ctx),
        "auth",
        public=True,
        post=Operation("Sign in; returns a JWT valid 24 h", body=LoginBody),
    )
    table.add(
        "/auth/status",
        Status(ctx),
        "auth",
        public=True,
        get=Operation("Whether the admin user exists"),
    )
    table.add(
        "/auth/password",
        Password(ctx),
        "auth",
        put=Operation("Change the password", body=PasswordBody),
    )
    table.add(
        "/auth/username",
        Username(ctx),
        "auth",
        put=Operation("Change the username; returns a new token", body=UsernameBody),
    )
    table.add(
        "/auth/apikey",
        ApiKey(ctx),
        "auth",
        get=Operation("Whether an API key exists, and its last 4 characters"),
        post=Operation("Make a new API key (shown once; replaces the old one)"),
    )
