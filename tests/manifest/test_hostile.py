"""Check that hostile or broken input is refused quickly and clearly.

Each test prints how long the refusal took (run with -s to see it); time is not
asserted, so a slow machine cannot make these tests flaky.
"""

import time
from collections.abc import Callable

import pytest

from controller.manifest import ManifestError, load_manifest_text
from controller.manifest.yaml_source import MAX_FILE_BYTES


def refused(text: bytes, label: str) -> ManifestError:
    started = time.perf_counter()
    with pytest.raises(ManifestError) as caught:
        load_manifest_text(text, "hostile.yaml", env={})
    print(f"{label}: refused in {time.perf_counter() - started:.3f}s")
    return caught.value


def billion_laughs() -> bytes:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        prev = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([prev] * 9)}]")
    return ("\n".join(lines) + "\n").encode()


def quadratic_aliases() -> bytes:
    lines = ["x0: &x0 [1, 2]"]
    for level in range(1, 40):
        lines.append(f"x{level}: &x{level} [*x{level - 1}, *x{level - 1}]")
    return ("\n".join(lines) + "\n").encode()


CASES: dict[str, tuple[Callable[[], bytes], str]] = {
    "alias bomb": (billion_laughs, "an alias bomb"),
    "too many aliases": (
        lambda: b"a: &a 1\nb: [" + b", ".join([b"*a"] * 150) + b"]\n",
        "more than 100 YAML aliases",
    ),
    "doubling aliases": (quadratic_aliases, "an alias bomb"),
    # libyaml stops at its own depth limit before ours; both messages say "nest".
    "deep flow nesting": (lambda: b"a: " + b"[" * 10_000 + b"]" * 10_000, "nest"),
    "moderately deep nesting": (
        lambda: b"a: " + b"[" * 100 + b"]" * 100,
        "nested deeper",
    ),
    "deep block nesting": (
        lambda: "".join(f"{'  ' * i}k{i}:\n" for i in range(200)).encode(),
        "nested deeper",
    ),
    "huge file": (
        lambda: b"# " + b"x" * MAX_FILE_BYTES + b"\npreferences: {}\n",
        "larger than the 1048576 bytes",
    ),
    "binary junk": (lambda: bytes(range(256)) * 16, "binary"),
    "not utf-8": (
        lambda: "preferences:\n  logLevel: d\xe9bug\n".encode("latin-1"),
        "UTF-8",
    ),
    "control characters": (lambda: b"preferences:\n  logLevel: \x07info\n", "control"),
    "many documents": (lambda: b"a: 1\n---\nb: 2\n" * 1000, "more than one YAML"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input_is_refused_with_a_clear_message(name: str) -> None:
    """Check that each hostile input fails with a message saying what is wrong."""
    make, expected = CASES[name]
    error = refused(make(), name)
    assert expected in str(error)
    assert str(error).startswith("hostile.yaml")


def test_many_keys_within_limits_still_load_in_reasonable_size() -> None:
    """Check that a large but honest manifest (2,000 rules) loads."""
    rule = (
        "  - field: title\n    operator: contains\n"
        "    value: t{n}\n    effect: lean_keep\n"
    )
    text = "rules:\n" + "".join(rule.format(n=n) for n in range(2000))
    started = time.perf_counter()
    loaded = load_manifest_text(text, "big.yaml", env={})
    print(f"2000 rules loaded in {time.perf_counter() - started:.3f}s")
    assert len(loaded.manifest.rules) == 2000
