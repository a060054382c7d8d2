"""The registry source's name and label, shared by training and by the service that stores and
seeds models (which must not load the model code to name them)."""

from __future__ import annotations

from typing import Final

__all__ = ["REGISTRY_LABEL", "REGISTRY_SOURCE"]

REGISTRY_SOURCE: Final = "registry"
"""Models trained on the service's own firms, filings and funding rounds."""

REGISTRY_LABEL: Final = "oecd-high-growth-3y"
"""The OECD high-growth label over three years (``registry.oecd_label``)."""
