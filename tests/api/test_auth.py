"""Login, tokens, API keys, password and username changes, rate limits."""

from __future__ import annotations

import falcon.testing
import jwt
import pytest

from api.app import create_app
from api.auth import Tokens
from api.context import Limits
from api.ratelimit import RateLimit

PASSWORD = "correct horse battery"


def login(client: falcon.testing.TestClient, **body: str) -> falcon.testing.Result:
    return client.simulate_post("/api/v1/auth/login", json=body)


def test_login_with_only_a_password_returns_a_24h_token(client) -> None:
    """Check the contract's login: {"password"} alone yields a JWT for admin."""
    result = login(client, password=PASSWORD)
    assert result.status_code == 200
    claims = jwt.decode(result.json["token"], options={"verify_signature": False})
    assert claims["sub"] == "admin"
    assert claims["exp"] - claims["iat"] == 24 * 3600


def test_login_with_username_and_password(client) -> None:
    """Check that naming the user works too."""
    assert login(client, username="admin", password=PASSWORD).status_code == 200


def test_wrong_password_is_401(client) -> None:
    """Check that a wrong password or user is refused without saying which."""
    assert login(client, password="nope").json == {"error": "Invalid credentials"}
    result = login(client, username="ghost", password=PASSWORD)
    assert result.status_code == 401


def test_login_without_password_is_400_naming_the_field(client) -> None:
    """Check that a missing password is a 400 that names the field."""
    result = login(client, username="admin")
    assert result.status_code == 400
    assert "password" in result.json["error"]


def test_first_login_bootstraps_the_admin(runtime) -> None:
    """Check that without a configured password the first login sets it."""
    app = create_app(runtime, jwt_secret="s" * 32, environ={}, bcrypt_rounds=4)
    client = falcon.testing.TestClient(app)
    assert client.simulate_get("/api/v1/auth/status").json == {"initialized": False}
    assert login(client, password="first-password").status_code == 200
    assert client.simulate_get("/api/v1/auth/status").json == {"initialized": True}
    assert login(client, password="other").status_code == 401


def test_admin_password_comes_from_the_environment(runtime) -> None:
    """Check that CAPACITARR_ADMIN_PASSWORD creates the admin at start."""
    env = {"CAPACITARR_ADMIN_PASSWORD": "from-env-123"}
    app = create_app(runtime, jwt_secret="s" * 32, environ=env, bcrypt_rounds=4)
    client = falcon.testing.TestClient(app)
    assert client.simulate_get("/api/v1/auth/status").json == {"initialized": True}
    assert login(client, password="from-env-123").status_code == 200


def test_jwt_secret_persists_across_restarts(runtime) -> None:
    """Check that a token from one app start is accepted after a restart."""
    first = create_app(runtime, admin_password=PASSWORD, environ={}, bcrypt_rounds=4)
    token = login(falcon.testing.TestClient(first), password=PASSWORD).json["token"]
    second = falcon.testing.TestClient(create_app(runtime, environ={}))
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        second.simulate_get("/api/v1/preferences", headers=headers).status_code == 200
    )


def test_configured_jwt_secret_wins(runtime) -> None:
    """Check that CAPACITARR_JWT_SECRET signs the tokens."""
    env = {"CAPACITARR_JWT_SECRET": "x" * 40}
    app = create_app(runtime, admin_password=PASSWORD, environ=env, bcrypt_rounds=4)
    token = login(falcon.testing.TestClient(app), password=PASSWORD).json["token"]
    assert jwt.decode(token, "x" * 40, algorithms=["HS256"])["sub"] == "admin"


def test_expired_token_is_refused(client, app) -> None:
    """Check that a token past its expiry gets 401."""
    old = Tokens("test-secret", clock=lambda: 1_000_000.0).issue("admin")
    headers = {"Authorization": f"Bearer {old}"}
    assert (
        client.simulate_get("/api/v1/preferences", headers=headers).status_code == 401
    )


def test_api_key_is_shown_once_and_stored_hashed(client, runtime) -> None:
    """Check POST /auth/apikey returns api_key, GET shows only has_key and hint."""
    token = login(client, password=PASSWORD).json["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.simulate_get("/api/v1/auth/apikey", headers=bearer).json == {
        "has_key": False,
        "hint": "",
    }
    key = client.simulate_post("/api/v1/auth/apikey", headers=bearer).json["api_key"]
    assert len(key) == 64
    info = client.simulate_get("/api/v1/auth/apikey", headers=bearer).json
    assert info == {"has_key": True, "hint": key[-4:]}
    with runtime.store.read() as db:
        stored = [row["key_hash"] for row in db.query("SELECT key_hash FROM api_keys")]
    assert stored and key not in stored[0]


@pytest.mark.parametrize(
    "how", ["x-api-key", "bearer", "apikey-scheme", "query"], ids=str
)
def test_api_key_is_accepted_in_every_place(client, api_key, how) -> None:
    """Check X-Api-Key, Bearer <key>, ApiKey <key> and ?apikey=."""
    headers: dict[str, str] = {}
    query = ""
    if how == "x-api-key":
        headers["X-Api-Key"] = api_key
    elif how == "bearer":
        headers["Authorization"] = f"Bearer {api_key}"
    elif how == "apikey-scheme":
        headers["Authorization"] = f"ApiKey {api_key}"
    else:
        query = f"apikey={api_key}"
    result = client.simulate_get(
        "/api/v1/preferences", headers=headers, query_string=query
    )
    assert result.status_code == 200


def test_a_new_key_replaces_the_old_one(client, api_key) -> None:
    """Check that generating a key invalidates the previous key."""
    client.simulate_post("/api/v1/auth/apikey", headers={"X-Api-Key": api_key})
    result = client.simulate_get("/api/v1/preferences", headers={"X-Api-Key": api_key})
    assert result.status_code == 401


def test_login_is_rate_limited(runtime) -> None:
    """Check that the 11th login within 15 minutes from one client gets 429."""
    now = [0.0]
    limits = Limits(
        login=RateLimit(10, 900, clock=lambda: now[0]),
        engine_run=RateLimit(5, 300),
        integration_test=RateLimit(30, 300),
    )
    app = create_app(
        runtime,
        jwt_secret="s" * 32,
        admin_password=PASSWORD,
        environ={},
        bcrypt_rounds=4,
        limits=limits,
    )
    client = falcon.testing.TestClient(app)
    for _ in range(10):
        assert login(client, password="wrong").status_code == 401
    blocked = login(client, password=PASSWORD)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    now[0] += 901
    assert login(client, password=PASSWORD).status_code == 200


def test_password_change(authed, client) -> None:
    """Check that the password changes and the old one stops working."""
    weak = authed.put(
        "/auth/password", json={"currentPassword": PASSWORD, "newPassword": "short"}
    )
    assert weak.status_code == 400 and "newPassword" in weak.json["error"]
    wrong = authed.put(
        "/auth/password", json={"currentPassword": "bad", "newPassword": "long-enough"}
    )
    assert wrong.status_code == 401
    ok = authed.put(
        "/auth/password",
        json={"currentPassword": PASSWORD, "newPassword": "long-enough"},
    )
    assert ok.status_code == 200
    assert login(client, password="long-enough").status_code == 200
    assert login(client, password=PASSWORD).status_code == 401


def test_username_change_returns_a_working_token(authed, client) -> None:
    """Check the rename: 409 on a taken name, new token for the new name."""
    result = authed.put(
        "/auth/username",
        json={"newUsername": "curator", "currentPassword": PASSWORD},
    )
    assert result.status_code == 200
    headers = {"Authorization": f"Bearer {result.json['token']}"}
    assert (
        client.simulate_get("/api/v1/auth/apikey", headers=headers).status_code == 200
    )
    assert login(client, username="curator", password=PASSWORD).status_code == 200
    assert login(client, password=PASSWORD).status_code == 200


def test_changes_record_the_credential_as_origin(authed, runtime) -> None:
    """Check that a change made with an API key is logged as api:apikey:admin."""
    authed.put("/preferences", json={"tiebreakerMethod": "name_asc"})
    with runtime.store.read() as db:
        origins = [
            r["origin"] for r in db.query("SELECT origin FROM desired_state_changes")
        ]
    assert origins == ["api:apikey:admin"]
