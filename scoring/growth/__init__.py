"""The optional growth model: a calibrated, explained probability that a firm grows fast.

Modules, in the order data flows: ``sources`` (the one that reads files: the Crunchbase export
as published), ``crunchbase`` (real 2013 export → first-round cohort),
``panel`` (firm-year filings → OECD high-growth panel, and the engine's ``growth`` frame),
``model`` (``GrowthClassifier``), ``metrics``, ``backtest`` (honest time splits), ``card``
(training with a model card) and ``artefact`` (version-checked bytes, content-hash ids).
"""

from scoring.growth.artefact import ModelVersionError, dump_model, load_model, model_id
from scoring.growth.card import TrainedModel, train_model
from scoring.growth.crunchbase import CrunchbaseData, build_cohort
from scoring.growth.model import GrowthClassifier
from scoring.growth.panel import (
    build_panel,
    growth_frame,
    panel_features,
    predict_growth,
    train_panel_model,
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
    "TrainedModel",
    "build_cohort",
    "build_panel",
    "dump_model",
    "growth_frame",
    "load_crunchbase",
    "load_model",
    "model_id",
    "panel_features",
    "predict_growth",
    "run_backtest",
    "run_rolling_origin",
    "train_crunchbase_model",
    "train_model",
    "train_panel_model",
]
