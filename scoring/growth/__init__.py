"""The optional growth model: a calibrated, explained probability that a firm grows fast.

Modules, in the order data flows: ``sources`` (the one that reads files: the Crunchbase export
as published), ``crunchbase`` (real 2013 export → first-round cohort),
``panel`` (firm-year features from filings and rounds, and the engine's ``growth`` frame),
``registry`` (the service's own records → OECD high-growth panel, its backtest and training),
``progress`` (the callback long jobs report through),
``model`` (``GrowthClassifier``), ``metrics``, ``backtest`` (honest time splits), ``card``
(training with a model card) and ``artefact`` (version-checked bytes, content-hash ids).
"""

from scoring.growth.artefact import ModelVersionError, dump_model, load_model, model_id
from scoring.growth.card import TrainedModel, train_model
from scoring.growth.crunchbase import CrunchbaseData, build_cohort
from scoring.growth.model import GrowthClassifier
from scoring.growth.panel import growth_frame, panel_features, predict_growth
from scoring.growth.progress import Progress, within
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
