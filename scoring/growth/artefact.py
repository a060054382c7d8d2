"""Serialised growth models: bytes for the registry, a content hash as the model id.

Layout of an artefact: one JSON header line (format, scikit-learn version), a newline, then the
joblib pickle of the estimator. ``load_model`` checks the header and the card against the running
scikit-learn *before* unpickling, and the blob against the card's ``model_id`` when the card has
one. Unpickling runs code: load only blobs this service wrote (the id check guards integrity).
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping
from typing import Any, Final

import joblib
import sklearn

from scoring.growth.card import TrainedModel
from scoring.growth.model import GrowthClassifier

__all__ = ["ARTEFACT_FORMAT", "ModelVersionError", "dump_model", "load_model", "model_id"]

ARTEFACT_FORMAT: Final = "cohorts-growth-model/1"


class ModelVersionError(RuntimeError):
    """A stored model was written under another scikit-learn version (or format) than this one."""


def model_id(blob: bytes) -> str:
    """Return the model id: sha256 of the artefact's bytes, in hex."""
    return hashlib.sha256(blob).hexdigest()


def dump_model(trained: TrainedModel) -> bytes:
    """Serialise a trained model's estimator with a header naming the scikit-learn version."""
    header = {"format": ARTEFACT_FORMAT, "scikit-learn": sklearn.__version__,
              "card_version": trained.card.get("library_versions", {}).get("scikit-learn")}
    buffer = io.BytesIO()
    joblib.dump(trained.estimator, buffer)
    return json.dumps(header, sort_keys=True).encode() + b"\n" + buffer.getvalue()


def _header(blob: bytes) -> dict[str, Any]:
    line, sep, _ = blob.partition(b"\n")
    try:
        header = json.loads(line) if sep else None
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != ARTEFACT_FORMAT:
        raise ModelVersionError(f"not a {ARTEFACT_FORMAT} artefact; refusing to load it")
    return header


def load_model(blob: bytes, card: Mapping[str, Any]) -> GrowthClassifier:
    """Return the estimator of an artefact, refusing one saved under another scikit-learn."""
    running = sklearn.__version__
    header = _header(blob)
    saved = header.get("scikit-learn")
    carded = card.get("library_versions", {}).get("scikit-learn")
    for where, version in (("artefact", saved), ("model card", carded)):
        if version != running:
            raise ModelVersionError(
                f"the model's {where} says scikit-learn {version}, but this service runs "
                f"scikit-learn {running}; retrain the model (cohorts growth train) instead of "
                "loading it under another version")
    expected = card.get("model_id")
    if expected is not None and expected != model_id(blob):
        raise ModelVersionError(f"artefact hash {model_id(blob)} does not match the card's "
                                f"model_id {expected}; refusing to load it")
    payload = blob.partition(b"\n")[2]
    estimator = joblib.load(io.BytesIO(payload))
    if not isinstance(estimator, GrowthClassifier):
        raise ModelVersionError(f"artefact holds a {type(estimator).__name__}, "
                                "not a GrowthClassifier")
    return estimator
