"""gzip for large answers: only when asked for, only when large, same content."""

from __future__ import annotations

import gzip
import json

import pytest

from api.compress import MIN_BYTES, accepts_gzip, compress


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ("identity", False),
        ("gzip", True),
        ("GZIP", True),
        ("deflate, gzip;q=0.5", True),
        ("br;q=1.0, gzip;q=0", False),
        ("gzip; q=0.000", False),
        ("gzip;q=zero", False),
        ("*", True),
        ("x-gzip", True),
        ("gzipped", False),
    ],
)
def test_accept_encoding_is_read_with_its_weights(header, expected) -> None:
    """Check the Accept-Encoding values that allow gzip and those that do not."""
    assert accepts_gzip(header) is expected


def test_compressed_bodies_are_stable_and_round_trip() -> None:
    """Check that gzip output has no timestamp and decompresses to the input."""
    body = b'{"title": "x"}' * 10_000
    assert compress(body) == compress(body)
    assert gzip.decompress(compress(body)) == body


def _large_preview(runtime) -> None:
    runtime.preview_items = [
        {"item": {"title": f"Title {n}", "path": f"/media/{n}" * 8}, "score": 1 / n}
        for n in range(1, 2_001)
    ]


def test_the_whole_preview_is_gzipped_for_clients_that_accept_it(authed, runtime):
    """Check Content-Encoding, Vary and that both answers hold the same JSON."""
    _large_preview(runtime)
    plain = authed.get("/preview")
    assert len(plain.content) >= MIN_BYTES
    assert "Content-Encoding" not in plain.headers
    assert plain.headers["Vary"] == "Accept-Encoding"
    packed = authed.get("/preview", headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Vary"] == "Accept-Encoding"
    assert len(packed.content) < len(plain.content) / 4
    assert gzip.decompress(packed.content) == plain.content
    # Kept: the same compressed bytes again.
    again = authed.get("/preview", headers={"Accept-Encoding": "gzip"})
    assert again.content == packed.content


def test_small_pages_and_refused_gzip_are_sent_as_they_are(authed, runtime):
    """Check that a small page, or gzip;q=0, gets the plain body."""
    _large_preview(runtime)
    page = authed.get(
        "/preview", query_string="limit=3", headers={"Accept-Encoding": "gzip"}
    )
    assert "Content-Encoding" not in page.headers and len(page.json) == 3
    refused = authed.get("/preview", headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers
    assert len(refused.json) == 2_000


def test_a_new_preview_is_compressed_again(authed, runtime):
    """Check that a changed preview does not serve the old compressed body."""
    _large_preview(runtime)
    first = gzip.decompress(
        authed.get("/preview", headers={"Accept-Encoding": "gzip"}).content
    )
    runtime.preview_items = runtime.preview_items[:1500]
    second = authed.get("/preview", headers={"Accept-Encoding": "gzip"})
    assert second.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(second.content) != first
    assert len(json.loads(gzip.decompress(second.content))) == 1500
