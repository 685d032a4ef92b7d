"""Check that imports run the way docs/architecture.md says they do."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules_under(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", modules_under("controller"), ids=str)
def test_controller_never_imports_the_web_face(path: Path) -> None:
    """Check that controller/ imports neither api/ nor falcon nor waitress."""
    forbidden = {"api", "falcon", "waitress"}
    bad = {m for m in imported_modules(path) if m.split(".")[0] in forbidden}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", modules_under("controller/engine"), ids=str)
def test_engine_is_pure(path: Path) -> None:
    """Check that the decision engine does no I/O: no HTTP, SQL, threads or files."""
    forbidden = {"httpx", "sqlite3", "sqlite_utils", "threading", "socket", "os"}
    bad = {m for m in imported_modules(path) if m.split(".")[0] in forbidden}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", modules_under("controller"), ids=str)
def test_only_the_store_speaks_sql(path: Path) -> None:
    """Check that only controller/store imports SQLite libraries."""
    if "store" in path.relative_to(ROOT).parts:
        return
    bad = {
        m
        for m in imported_modules(path)
        if m.split(".")[0] in {"sqlite3", "sqlite_utils"}
    }
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize(
    "path", modules_under("controller") + modules_under("api"), ids=str
)
def test_no_simulator_imports_in_the_product(path: Path) -> None:
    """Check that the product never imports simulators, except the demo command."""
    if path.name in {"demo.py"}:
        return
    bad = {m for m in imported_modules(path) if m.split(".")[0] == "simulators"}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
