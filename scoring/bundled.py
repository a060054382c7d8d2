"""The schemes shipped in ``seed_data/schemes``, found with importlib.resources."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from scoring.errors import SchemeError
from scoring.scheme import Scheme, load_scheme

__all__ = ["list_bundled_schemes", "load_bundled_scheme"]

_PACKAGE = "seed_data.schemes"


def list_bundled_schemes() -> list[Path]:
    """Paths of the bundled scheme files, sorted by name."""
    folder = resources.files(_PACKAGE)
    return sorted(Path(str(entry)) for entry in folder.iterdir()
                  if entry.name.endswith((".yaml", ".yml")))


def load_bundled_scheme(scheme_id: str) -> Scheme:
    """Load the bundled scheme whose ``id`` (or file stem) is ``scheme_id``."""
    for path in list_bundled_schemes():
        if path.stem == scheme_id:
            return load_scheme(path)
    for path in list_bundled_schemes():
        scheme = load_scheme(path)
        if scheme.id == scheme_id:
            return scheme
    raise SchemeError([("id", f"no bundled scheme {scheme_id!r}")])
