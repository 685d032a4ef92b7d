"""The cyclic collector is paused around bulk work and resumed exactly once."""

from __future__ import annotations

import gc
import threading

from controller.collector import collector_paused


def test_nested_and_overlapping_pauses_resume_only_at_the_last():
    """Check that the collector stays off until every pause has ended."""
    assert gc.isenabled()
    entered, release = threading.Event(), threading.Event()

    def other() -> None:
        with collector_paused():
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    with collector_paused():
        thread.start()
        assert entered.wait(5)
        with collector_paused():
            assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread's pause still holds
    release.set()
    thread.join(5)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    """Check that a pause never turns on a collector someone else turned off."""
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_failing_block_still_resumes_the_collector():
    """Check that an exception inside the pause does not leave the collector off."""
    try:
        with collector_paused():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert gc.isenabled()
