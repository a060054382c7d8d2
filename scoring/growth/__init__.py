"""The optional growth model: a calibrated, explained probability that a firm grows fast.

Modules, in the order data flows: ``sources`` (the one that reads files: the Crunchbase export
as published), ``crunchbase`` (real 2013 export → first-round cohort),
``panel`` (firm-year features from filings and rounds, and the engine's ``growth`` frame),
``registry`` (the service's own records → OECD high-growth panel, its backtest and training),
``labels`` (the registry's source and label names), ``progress`` (the callback long jobs report
through), ``model`` (``GrowthClassifier``), ``metrics``, ``backtest`` (honest time splits),
``fits`` (one piece of work's fits, each made once), ``evidence`` (whether a card's backtest
beats its baselines), ``card`` (training with a model
card) and ``artefact`` (version-checked bytes, content-hash ids).

Importing this package loads no scikit-learn (about 2 s of CPU): the names below that need it
are imported on first use, here and nowhere else (``__getattr__``), so a command or a server
that never trains, loads or applies a model never pays for it. Code that needs a light module
(``progress``, ``labels``, ``evidence``, ``panel``, ``drift``, ``factors``) imports it directly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

from scoring.growth.progress import Progress, within

if TYPE_CHECKING:  # what ``__getattr__`` returns, for the type checker
    from scoring.growth.artefact import ModelVersionError, dump_model, load_model, model_id
    from scoring.growth.card import TrainedModel, train_model
    from scoring.growth.crunchbase import CrunchbaseData, build_cohort
    from scoring.growth.fits import Fits
    from scoring.growth.model import GrowthClassifier
    from scoring.growth.panel import growth_frame, panel_features, predict_growth
    from scoring.growth.registry import (
        backtest_registry,
        build_panel,
        build_registry_cohort,
        rolling_registry,
        train_registry_model,
    )
    from scoring.growth.sources import (
        load_crunchbase,
        run_backtest,
        run_rolling_origin,
        train_crunchbase_model,
    )

__all__ = [
    "CrunchbaseData",
    "Fits",
    "GrowthClassifier",
    "ModelVersionError",
    "Progress",
    "TrainedModel",
    "backtest_registry",
    "build_cohort",
    "build_panel",
    "build_registry_cohort",
    "dump_model",
    "growth_frame",
    "load_crunchbase",
    "load_model",
    "model_id",
    "panel_features",
    "predict_growth",
    "rolling_registry",
    "run_backtest",
    "run_rolling_origin",
    "train_crunchbase_model",
    "train_model",
    "train_registry_model",
    "within",
]

_LAZY: Final = {
    "ModelVersionError": "artefact",
    "dump_model": "artefact",
    "load_model": "artefact",
    "model_id": "artefact",
    "TrainedModel": "card",
    "train_model": "card",
    "CrunchbaseData": "crunchbase",
    "build_cohort": "crunchbase",
    "Fits": "fits",
    "GrowthClassifier": "model",
    "growth_frame": "panel",
    "panel_features": "panel",
    "predict_growth": "panel",
    "backtest_registry": "registry",
    "build_panel": "registry",
    "build_registry_cohort": "registry",
    "rolling_registry": "registry",
    "train_registry_model": "registry",
    "load_crunchbase": "sources",
    "run_backtest": "sources",
    "run_rolling_origin": "sources",
    "train_crunchbase_model": "sources",
}
"""Each public name imported on first use, by the submodule that defines it."""


def __getattr__(name: str) -> Any:
    """A public name of a submodule, imported when first asked for (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
