"""Check that the store's seeded defaults are the manifest schema's defaults."""

import warnings

from controller.manifest.models import Preferences, ScoringWeights
from controller.store.migrations import PREFERENCE_DEFAULTS, WEIGHT_DEFAULTS


def test_preference_defaults_match_the_schema() -> None:
    """Check that a fresh store and an empty manifest mean the same preferences."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        schema = Preferences().model_dump()
    assert schema == PREFERENCE_DEFAULTS


def test_weight_defaults_match_the_schema() -> None:
    """Check that a fresh store and an empty manifest mean the same weights."""
    assert ScoringWeights().model_dump() == WEIGHT_DEFAULTS
