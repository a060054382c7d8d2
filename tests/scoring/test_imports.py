"""``scoring`` is a pure library: it imports nothing of ours, nor the web or database stacks."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import scoring

FORBIDDEN = ("service", "schemas", "seed_data", "migrations", "fastapi", "sqlalchemy",
             "starlette", "alembic")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_scoring_module_imports_the_service_stack() -> None:
    package = Path(scoring.__file__).parent
    offenders = {
        f"{path.relative_to(package)}: {name}"
        for path in package.rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    }
    assert offenders == set()


def test_importing_scoring_loads_no_forbidden_module() -> None:
    code = ("import sys, scoring; "
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


# Reading files is the job of these modules alone; everything else in scoring takes frames.
READERS = {"growth/sources.py", "scheme.py"}
FILE_CALLS = {"open", "read_csv", "read_excel", "read_parquet", "read_bytes", "read_text",
              "write_bytes", "write_text", "to_csv", "iterdir", "glob"}


def called_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names


def test_only_the_reader_modules_touch_files() -> None:
    package = Path(scoring.__file__).parent
    offenders = {
        f"{path.relative_to(package)}: {name}"
        for path in package.rglob("*.py")
        if str(path.relative_to(package)) not in READERS
        for name in called_names(path) & FILE_CALLS
    }
    assert offenders == set()
