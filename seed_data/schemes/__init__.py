"""The bundled schemes: package data of ``seed_data``, parsed by ``scoring.load_scheme``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from scoring.errors import SchemeError
from scoring.scheme import Scheme, load_scheme

__all__ = ["list_bundled_schemes", "load_bundled_scheme", "load_every_bundled_version"]


def list_bundled_schemes() -> list[Path]:
    """Paths of the bundled scheme files, sorted by name."""
    folder = resources.files(__name__)
    return sorted(
        Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith((".yaml", ".yml"))
    )


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


def load_every_bundled_version() -> tuple[Scheme, ...]:
    """Every bundled scheme version, the first versions beside this file and later ones in
    ``versions/``, sorted by id and version."""
    later = resources.files(__name__) / "versions"
    paths = [
        *list_bundled_schemes(),
        *sorted(Path(str(p)) for p in later.iterdir() if p.name.endswith((".yaml", ".yml"))),
    ]
    schemes = (load_scheme(path) for path in paths)
    return tuple(sorted(schemes, key=lambda scheme: (scheme.id, scheme.version)))
