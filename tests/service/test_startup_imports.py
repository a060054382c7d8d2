"""Commands and the app start without scikit-learn or scipy: they load when a growth model is
trained, loaded or applied, or reviewers are assigned, not when a process starts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("sklearn", "scipy", "joblib")

_PROBE = """
import json, sys
import service.cli
from service.app import create_app
from service.settings import Settings
create_app(Settings(database_url=sys.argv[1], log_json=False, webhook_worker=False))
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[2:]))))
"""


def test_cli_and_app_start_without_scikit_learn_or_scipy(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cohorts.db'}"
    done = subprocess.run([sys.executable, "-c", _PROBE, url, *HEAVY],
                          capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(done.stdout.splitlines()[-1]) == []


def test_the_probe_sees_a_heavy_import() -> None:
    """The check above can fail: asking for a model name imports scikit-learn."""
    code = ("import sys, scoring.growth; scoring.growth.load_model; "
            "print('sklearn' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code],
                          capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.strip() == "True"
