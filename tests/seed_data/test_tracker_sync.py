"""The tracker's recipe, run as a tracker would: the example script against a live server
(uvicorn on loopback), first sync, then a membership change caught up through the feed, and a
webhook delivery applied once."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from seed_data.examples import tracker_sync
from service.settings import Settings
from tests.conftest import REPO_ROOT
from tests.service.selection.builders import Headers
from tests.service.selection.test_changes import published
from tests.service.webhooks.test_crash import Server

pytestmark = [pytest.mark.own_database, pytest.mark.slow]

SCRIPT = REPO_ROOT / "seed_data" / "examples" / "tracker_sync.py"


def _sync(base: str, key: str, state: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--base", base, "--key", key, "--state", str(state),
         "--once"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    summary: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return summary


def test_the_script_syncs_then_catches_up_from_a_live_server(
    client: TestClient, as_role: Headers, api_keys: dict[str, str], app_settings: Settings,
    tmp_path: Path,
) -> None:
    _round_id, selected, waitlist = published(client, as_role)
    server = Server(app_settings.database_url, tmp_path / "server.log").start()
    try:
        state_file = tmp_path / "tracker-state.json"
        first = _sync(server.base, api_keys["tracker"], state_file)
        assert first["members"] == len(selected)
        copy = json.loads(state_file.read_text(encoding="utf-8"))
        assert sorted(copy["members"]) == selected

        ended = client.post(f"/v1/cohorts/seed/members/{selected[0]}/end",
                            json={"on": "2026-06-01", "kind": "disqualification",
                                  "reason": "False filing.", "replacement": waitlist[0]},
                            headers=as_role("admin"))
        assert ended.status_code == 200, ended.text
        _sync(server.base, api_keys["tracker"], state_file)  # the fallback: the feed
        copy = json.loads(state_file.read_text(encoding="utf-8"))
        assert sorted(copy["members"]) == sorted([*selected[1:], waitlist[0]])
        assert copy["members"][waitlist[0]]["valid_from"] == "2026-06-01"
    finally:
        server.kill()

    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = json.dumps({"type": "membership.ended", "timestamp": "2026-06-01T00:00:00+00:00",
                       "data": {"round_id": copy["members"][selected[1]]["round_id"],
                                "cohort": "seed", "uscc": selected[1]}}).encode()
    now = dt.datetime.now(dt.UTC)
    signature = Webhook(secret).sign("msg_1", now, body.decode())
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(int(now.timestamp())),
               "webhook-signature": signature}
    assert tracker_sync.handle_webhook(copy, secret, body, headers) is not None
    assert selected[1] not in copy["members"]
    assert tracker_sync.handle_webhook(copy, secret, body, headers) is None  # a repeat
    with pytest.raises(WebhookVerificationError):
        tracker_sync.handle_webhook(copy, secret, body + b" ", {**headers, "webhook-id": "m2"})
