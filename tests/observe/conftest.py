"""Fixtures for the observation tests."""

from __future__ import annotations

import importlib.util

import pytest

from controller.observe import IntegrationSpec

FAST = {"connect_timeout": 2.0, "read_timeout": 5.0, "retries": 0}


@pytest.fixture
def needs():
    """Return a function that skips the test when simulators are missing."""

    def need(*services: str) -> None:
        missing = [
            s for s in services if importlib.util.find_spec(f"simulators.{s}") is None
        ]
        if missing:
            pytest.skip(f"simulators not available yet: {', '.join(missing)}")

    return need


@pytest.fixture
def specs_for():
    """Return a function turning running simulators into integration specs."""

    def make(sims, services=None, **options) -> list[IntegrationSpec]:
        names = list(services or sims)
        return [
            IntegrationSpec(
                id=i,
                type=name,
                url=sims[name].url,
                api_key=sims[name].api_key,
                name=name,
                options={**FAST, **options.get(name, {})},
            )
            for i, name in enumerate(names, 1)
        ]

    return make
