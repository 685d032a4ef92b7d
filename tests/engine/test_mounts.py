"""Disk groups from root folders, and items assigned to the most specific mount."""

from __future__ import annotations

import pytest

from controller.engine import assign_to_mounts, media_mounts, normalize_path


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("H:\\Movies", "H:/Movies"),
        ("\\\\server\\share\\movies", "//server/share/movies"),
        ("D:\\media/tv\\", "D:/media/tv"),
        ("/data/", "/data"),
        ("/", ""),
        ("G:\\", "G:"),
    ],
)
def test_normalize_path(raw, normalized):
    """Check separators and trailing slashes are normalised as the reference does."""
    assert normalize_path(raw) == normalized


@pytest.mark.parametrize(
    ("roots", "disks", "expected"),
    [
        (["/data/movies", "/data/tv"], ["/", "/data", "/boot"], ("/data",)),
        (["/data/movies", "/mnt/tv"], ["/", "/data"], ("/data",)),
        (["/srv/movies"], ["/", "/data"], ("/",)),
        (["/data2/movies"], ["/data"], ()),
        (
            ["/data/movies", "/data/movies/4k"],
            ["/data", "/data/movies/4k"],
            ("/data", "/data/movies/4k"),
        ),
        (["G:\\Movies"], ["G:\\", "H:\\"], ("G:\\",)),
        (["/data"], ["/data/"], ("/data/",)),
    ],
)
def test_media_mounts(roots, disks, expected):
    """Check most-specific, boundary-aware mount selection; / only as fallback."""
    assert media_mounts(roots, disks) == expected


def test_assign_to_mounts_is_boundary_aware_and_most_specific(make_item):
    """Check /data does not hold /data2, and nested mounts take their own items."""
    items = {
        name: make_item(path=path)
        for name, path in [
            ("movie", "/data/movies/Alien (1979)"),
            ("other disk", "/data2/movies/Heat (1995)"),
            ("nested", "/data/fast/movies/Up (2009)"),
            ("windows", "D:\\media\\Up"),
            ("nowhere", "/elsewhere/x"),
            ("no path", ""),
        ]
    }
    groups = assign_to_mounts(items.values(), ["/data", "/data/fast", "D:/media/"])
    keys = {mount: [i.path for i in members] for mount, members in groups.items()}
    assert keys == {
        "/data": ["/data/movies/Alien (1979)"],
        "/data/fast": ["/data/fast/movies/Up (2009)"],
        "D:/media/": ["D:\\media\\Up"],
    }


def test_every_item_belongs_to_at_most_one_group(make_item):
    """Check that nested mounts never both receive an item."""
    items = [make_item(path=f"/a/b/c/{n}") for n in range(5)]
    groups = assign_to_mounts(items, ["/", "/a", "/a/b", "/a/b/c"])
    assert sum(len(members) for members in groups.values()) == 5
    assert len(groups["/a/b/c"]) == 5
