"""Per-reviewer calibration of ratings: the shrinkage estimate of ``scoring.calibration``."""

from __future__ import annotations

from scoring.calibration import calibrate

__all__ = ["calibrate"]
