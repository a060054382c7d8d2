"""The growth classifier: preprocessing, a logistic or gradient-boosted model, calibration, reasons.

Calibration: ``CalibratedClassifierCV(method="sigmoid", ensemble=False)`` fits one sigmoid on
out-of-fold scores of the training data, then refits the model on all of it, so there is one
model to explain and its probabilities are calibrated (Platt scaling).

Time drift (base rates fall year on year) leaves those probabilities off on later years, so
``recalibrate`` can refit the map on a later *validation year* the model's fit never saw:
p' = σ(a · logit(p) + b), with a and b fitted by (unpenalised) logistic regression of the
validation outcomes on logit(p) of a model fitted on the years before. If that fit gives
a ≤ 0 (scores that do not rank that year), a = 1 and b matches the year's base rate instead.
Either way a > 0, so ranking (ROC AUC, precision at k) is unchanged; only probabilities move.

Explanations, in log-odds units, are signed contributions per input feature:

- ``logistic``: contribution_j = Σ_c β_c · z_c over the model columns c made from feature j, where
  z is the standardised value (so 0 is the training mean) and β the coefficient; the logits add
  up to intercept + Σ_j contribution_j before the monotone calibration map.
- ``gbm``: contribution_j = logit p(x) − logit p(x with feature j set to its training reference)
  where p is the calibrated probability and the reference is the training median (numeric) or
  most frequent value (categorical). It is an occlusion difference, computed for all firms and
  features in one batch; contributions need not add up to the total.
- ``blend``: p = ½(p_logistic + p_gbm), both calibrated; contribution_j is the mean of the two
  members' contributions above.
"""

# X and C are scikit-learn's own parameter names; the estimator contract keeps them.
# ruff: noqa: N803

from __future__ import annotations

import contextlib
from typing import Any, Final, Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]  # no stubs

__all__ = ["KINDS", "EmptyColumnFiller", "Explanation", "GrowthClassifier"]

KINDS: Final = ("logistic", "gbm", "blend")
Explanation = list[tuple[str, float]]
_EPS: Final = 1e-6


def _as_frame(X: Any, columns: list[str] | None = None) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        # String names throughout, so fitted names and incoming names compare equal.
        return X.rename(columns=str)
    # Arrays go through scikit-learn's checks: 2D, not sparse, non-empty, NaN allowed.
    array = check_array(X, dtype=None, ensure_all_finite="allow-nan", accept_sparse=False)
    if columns is not None and array.shape[1] != len(columns):
        raise ValueError(f"X has {array.shape[1]} features, but GrowthClassifier is "
                         f"expecting {len(columns)} features as input")
    names = columns if columns is not None else [f"x{i}" for i in range(array.shape[1])]
    return pd.DataFrame(array, columns=names)


def _logit(p: np.ndarray) -> np.ndarray:
    clipped = np.clip(p, _EPS, 1 - _EPS)
    return np.asarray(np.log(clipped / (1 - clipped)))


def _shift_to_rate(logits: np.ndarray, rate: float) -> float:
    """Return b with mean σ(logits + b) = rate, by bisection (the mean rises with b)."""
    low, high = -30.0, 30.0
    for _ in range(100):
        middle = (low + high) / 2
        if float(np.mean(1 / (1 + np.exp(-(logits + middle))))) < rate:
            low = middle
        else:
            high = middle
    return (low + high) / 2


class EmptyColumnFiller(TransformerMixin, BaseEstimator):  # type: ignore[misc]  # untyped
    """Fill columns that were entirely missing at fit with 0; keep other NaNs for the gbm."""

    def fit(self, X: Any, y: Any = None) -> Self:
        """Record which columns hold no value at all (histogram binning fails on those)."""
        values = np.asarray(X, dtype=float)
        self.empty_ = np.all(np.isnan(values), axis=0)
        self.n_features_in_ = values.shape[1]
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Return X as floats with the recorded empty columns set to 0."""
        check_is_fitted(self, "empty_")
        values = np.array(X, dtype=float)
        values[:, self.empty_] = 0.0
        return values

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names pass through unchanged."""
        return np.asarray(input_features, dtype=object)


class GrowthClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]  # sklearn is untyped
    """Calibrated binary classifier over a frame of numeric and categorical features."""

    def __init__(self, kind: str = "logistic", *, C: float = 0.1,
                 learning_rate: float = 0.05, max_iter: int = 200, max_leaf_nodes: int = 15,
                 min_samples_leaf: int = 80, l2_regularization: float = 1.0,
                 min_category_frequency: int = 10, calibration_folds: int = 5,
                 openmp_threads: int | None = 1, random_state: int = 0) -> None:
        self.kind = kind
        self.C = C
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.min_category_frequency = min_category_frequency
        self.calibration_folds = calibration_folds
        self.openmp_threads = openmp_threads
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        """Binary only; missing values are allowed (imputed or native in the gbm)."""
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags

    def _pipeline(self, kind: str, numeric: list[str], categorical: list[str]) -> Pipeline:
        # One transformer per categorical column so each model column maps back to its feature.
        if kind == "logistic":
            parts: list[tuple[str, Any, list[str]]] = [
                ("num", Pipeline([("impute", SimpleImputer(strategy="median",
                                                          keep_empty_features=True)),
                                  ("scale", StandardScaler())]), numeric)]
            parts += [(f"cat{i}", Pipeline([
                ("impute", SimpleImputer(strategy="constant", fill_value="missing",
                                        keep_empty_features=True)),
                ("onehot", OneHotEncoder(handle_unknown="infrequent_if_exist",
                                         min_frequency=self.min_category_frequency,
                                         sparse_output=False)),
                ("scale", StandardScaler())]), [c]) for i, c in enumerate(categorical)]
            model: Any = LogisticRegression(C=self.C, max_iter=2000)
        elif kind == "gbm":
            parts = [("num", EmptyColumnFiller(), numeric)]
            parts += [(f"cat{i}", OrdinalEncoder(
                handle_unknown="use_encoded_value", unknown_value=np.nan,
                encoded_missing_value=np.nan, min_frequency=self.min_category_frequency,
                max_categories=250), [c]) for i, c in enumerate(categorical)]
            mask = [False] * len(numeric) + [True] * len(categorical)
            model = HistGradientBoostingClassifier(
                learning_rate=self.learning_rate, max_iter=self.max_iter,
                max_leaf_nodes=self.max_leaf_nodes, min_samples_leaf=self.min_samples_leaf,
                l2_regularization=self.l2_regularization, categorical_features=mask,
                early_stopping=False, random_state=self.random_state)
        else:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        columns = ColumnTransformer(parts, remainder="drop", verbose_feature_names_out=True)
        return Pipeline([("columns", columns), ("model", model)])

    def fit(self, X: Any, y: Any) -> Self:
        """Fit the pipeline and its sigmoid calibration on features X and binary labels y."""
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if y is None:
            raise ValueError("GrowthClassifier requires y to be passed, but the target y is None")
        frame = _as_frame(X)
        target = column_or_1d(y, warn=True)
        if len(target) != len(frame):
            raise ValueError(f"X has {len(frame)} rows but y has {len(target)} labels")
        kind_of_target = type_of_target(target, input_name="y", raise_unknown=True)
        if kind_of_target not in ("binary", "unknown") and len(np.unique(target)) > 2:
            raise ValueError(f"Only binary classification is supported. The type of the target "
                             f"is {kind_of_target}.")
        if len(np.unique(target)) < 2:
            raise ValueError("GrowthClassifier needs both outcomes; got one class")
        self.classes_ = np.unique(target)
        # A refit model starts without an earlier validation year's map.
        self.__dict__.pop("recalibration_", None)
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.n_features_in_ = frame.shape[1]
        categorical = [str(c) for c in frame.columns
                       if not pd.api.types.is_numeric_dtype(frame[c])]
        numeric = [str(c) for c in frame.columns if str(c) not in categorical]
        self.categorical_features_ = categorical
        self.numeric_features_ = numeric
        frame = self._coerce(frame)
        folds = min(self.calibration_folds,
                    int(np.min(np.unique(target, return_counts=True)[1])))
        if folds < 2:
            raise ValueError("each class needs at least two rows to calibrate; got one sample "
                             "of one class")
        kinds = ["logistic", "gbm"] if self.kind == "blend" else [self.kind]
        self.members_: dict[str, CalibratedClassifierCV] = {}
        with self._threads():
            for kind in kinds:
                member = CalibratedClassifierCV(
                    self._pipeline(kind, numeric, categorical), method="sigmoid",
                    ensemble=False,
                    cv=StratifiedKFold(folds, shuffle=True, random_state=self.random_state))
                self.members_[kind] = member.fit(frame, target)
        self.reference_ = {c: float(frame[c].median()) if c in numeric
                           else frame[c].mode(dropna=True).iloc[0] for c in frame.columns}
        return self

    @classmethod
    def blend_of(cls, logistic: GrowthClassifier, gbm: GrowthClassifier) -> GrowthClassifier:
        """The blend whose members are these two fits, as ``fit`` with kind ``blend`` would make
        it when both were fitted on the same rows with the same parameters and seed."""
        params = logistic.get_params() | {"kind": "blend"}
        if (logistic.kind, gbm.kind) != ("logistic", "gbm") or gbm.get_params() | {
                "kind": "blend"} != params:
            raise ValueError("a blend needs a logistic and a gbm fit with the same parameters")
        for name in ("classes_", "feature_names_in_"):
            if not np.array_equal(getattr(logistic, name), getattr(gbm, name)):
                raise ValueError(f"the blend's members differ in {name}; fit them on the same rows")
        blend = cls(**params)
        blend.classes_ = logistic.classes_
        blend.feature_names_in_ = logistic.feature_names_in_
        blend.n_features_in_ = logistic.n_features_in_
        blend.categorical_features_ = logistic.categorical_features_
        blend.numeric_features_ = logistic.numeric_features_
        blend.members_ = {"logistic": logistic.members_["logistic"], "gbm": gbm.members_["gbm"]}
        blend.reference_ = logistic.reference_
        return blend

    def _coerce(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        for column in self.numeric_features_:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
        for column in self.categorical_features_:
            out[column] = out[column].astype(object).where(out[column].notna(), np.nan)
        return out

    def _checked(self, X: Any) -> pd.DataFrame:
        check_is_fitted(self, "members_")
        frame = _as_frame(X, [str(c) for c in self.feature_names_in_])
        if frame.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {frame.shape[1]} features, but GrowthClassifier is "
                             f"expecting {self.n_features_in_} features as input")
        missing = [c for c in self.feature_names_in_ if c not in frame.columns]
        if missing:
            raise ValueError(f"X lacks the features {missing}")
        return self._coerce(frame[list(self.feature_names_in_)])

    def predict_proba(self, X: Any) -> np.ndarray:
        """Return calibrated class probabilities, one row per firm, columns as ``classes_``."""
        frame = self._checked(X)
        return self._proba(frame)

    def _threads(self) -> Any:
        # A few thousand rows: OpenMP threads cost more in synchronisation than they save, and
        # on a busy machine they made the gbm 7x slower; None leaves the library default.
        if self.openmp_threads is None:
            return contextlib.nullcontext()
        return threadpool_limits(limits=self.openmp_threads, user_api="openmp")

    def _proba(self, frame: pd.DataFrame) -> np.ndarray:
        with self._threads():
            parts = [np.asarray(m.predict_proba(frame)) for m in self.members_.values()]
        proba = np.asarray(np.mean(parts, axis=0))
        if getattr(self, "recalibration_", None) is None:
            return proba
        positive = self.recalibrate_scores(proba[:, 1])
        return np.column_stack([1 - positive, positive])

    def recalibrate_scores(self, scores: Any) -> np.ndarray:
        """Apply the fitted out-of-time Platt map to positive-class scores."""
        check_is_fitted(self, "recalibration_")
        logits = (self.recalibration_["slope"] * _logit(np.asarray(scores, dtype=float))
                  + self.recalibration_["intercept"])
        return np.asarray(1 / (1 + np.exp(-logits)))

    def recalibrate(self, validation_scores: Any, y: Any) -> Self:
        """Fit the Platt map on out-of-time positive-class scores and outcomes (see module)."""
        check_is_fitted(self, "members_")
        scores = np.asarray(validation_scores, dtype=float).ravel()
        target = column_or_1d(y)
        if len(scores) != len(target):
            raise ValueError(f"{len(scores)} validation scores but {len(target)} outcomes")
        if len(np.unique(target)) < 2:
            raise ValueError("recalibration needs both outcomes in the validation year")
        logits = _logit(scores)
        platt = LogisticRegression(C=1e6, max_iter=1000).fit(logits[:, None],
                                                             target == self.classes_[1])
        slope, intercept = float(platt.coef_[0, 0]), float(platt.intercept_[0])
        if slope <= 0:
            # Scores that do not rank this year (tiny years): shift only, p' = σ(logit p + b).
            rate = float(np.mean(target == self.classes_[1]))
            slope = 1.0
            intercept = _shift_to_rate(logits, rate)
        self.recalibration_ = {"slope": slope, "intercept": intercept}
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Return the more probable class of each row."""
        proba = self.predict_proba(X)
        return np.asarray(self.classes_[np.argmax(proba, axis=1)])

    def decision_function(self, X: Any) -> np.ndarray:
        """Return the calibrated log-odds of the positive class."""
        return _logit(self.predict_proba(X)[:, 1])

    def contributions(self, X: Any) -> pd.DataFrame:
        """Return per-firm signed log-odds contributions of every input feature (see module)."""
        frame = self._checked(X)
        with self._threads():
            parts = [self._member_contributions(kind, frame) for kind in self.members_]
        total = parts[0]
        for part in parts[1:]:
            total = total + part
        return total / len(parts)

    def _member_contributions(self, kind: str, frame: pd.DataFrame) -> pd.DataFrame:
        features = [str(c) for c in self.feature_names_in_]
        member = self.members_[kind]
        if kind == "logistic":
            # ensemble=False keeps exactly one refitted pipeline behind the calibrator.
            pipeline: Pipeline = member.calibrated_classifiers_[0].estimator
            columns: ColumnTransformer = pipeline.named_steps["columns"]
            z = np.asarray(columns.transform(frame), dtype=float)
            coef = pipeline.named_steps["model"].coef_[0]
            names = columns.get_feature_names_out()
            owner = np.array([self._owner(str(n)) for n in names])
            values = z * coef
            out = np.column_stack([values[:, owner == f].sum(axis=1) for f in features])
            return pd.DataFrame(out, index=frame.index, columns=features)
        base = _logit(member.predict_proba(frame)[:, 1])
        n = len(frame)
        occluded = pd.concat([frame.assign(**{f: self.reference_[f]}) for f in features],
                             ignore_index=True)
        occluded = self._coerce(occluded)
        swapped = _logit(member.predict_proba(occluded)[:, 1]).reshape(len(features), n)
        return pd.DataFrame((base[None, :] - swapped).T, index=frame.index, columns=features)

    def _owner(self, model_column: str) -> str:
        prefix, _, rest = model_column.partition("__")
        if prefix == "num":
            return rest
        return self.categorical_features_[int(prefix.removeprefix("cat"))]

    def explain(self, X: Any, top: int = 3) -> list[Explanation]:
        """Return, per firm, its ``top`` features by absolute contribution with their signs."""
        table = self.contributions(X)
        values = table.to_numpy()
        order = np.argsort(-np.abs(values), axis=1, kind="stable")[:, :top]
        names = list(table.columns)
        return [[(names[j], float(values[i, j])) for j in row] for i, row in enumerate(order)]
