"""One piece of work's fits: the same inputs are fitted once, and a copy is handed out."""

from __future__ import annotations

import numpy as np

from scoring.growth.fits import Fits
from scoring.growth.model import GrowthClassifier
from tests.scoring.growth.builders import random_frame


def test_the_same_inputs_are_fitted_once_and_predict_as_a_fresh_fit() -> None:
    x, y = random_frame(n=200)
    fits = Fits()
    first = fits.fit("logistic", x, y, random_state=0)
    again = fits.fit("logistic", x.copy(), y.copy(), random_state=0)
    assert again is not first
    assert again.members_ is first.members_  # handed out again, not fitted again
    fresh = GrowthClassifier("logistic", random_state=0).fit(x, y)
    np.testing.assert_array_equal(again.predict_proba(x), fresh.predict_proba(x))


def test_other_rows_labels_kind_seed_or_parameters_are_other_fits() -> None:
    x, y = random_frame(n=200)
    fits = Fits()
    first = fits.fit("logistic", x, y, random_state=0)
    flipped = y.copy()
    flipped[0] = 1 - flipped[0]
    changed = x.copy()
    changed.loc[changed.index[0], "a"] += 1e-9
    others = [
        fits.fit("logistic", changed, y, random_state=0),
        fits.fit("logistic", x, flipped, random_state=0),
        fits.fit("logistic", x.iloc[::-1], y[::-1], random_state=0),
        fits.fit("gbm", x, y, random_state=0),
        fits.fit("logistic", x, y, random_state=1),
        fits.fit("logistic", x, y, random_state=0, params={"C": 1.0}),
    ]
    assert all(other.members_ is not first.members_ for other in others)
    assert others[-1].C == 1.0


def test_recalibrating_a_handed_out_fit_leaves_the_stored_one_alone() -> None:
    x, y = random_frame(n=300)
    fits = Fits()
    model = fits.fit("logistic", x, y, random_state=0)
    before = model.predict_proba(x)[:, 1]
    later = (np.random.default_rng(1).random(len(y)) < before / 3).astype(int)
    model.recalibrate(before, later)
    assert model.predict_proba(x)[:, 1].mean() < before.mean() - 0.1
    np.testing.assert_array_equal(fits.fit("logistic", x, y, random_state=0).predict_proba(x)[:, 1],
                                  before)
