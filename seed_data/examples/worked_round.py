"""A whole selection round through the HTTP API: the README's worked example, run in CI.

Starts the service (``cohorts serve``: uvicorn on loopback, a fresh SQLite file in a temporary
folder), mints one key per role with the CLI, then takes the SYNTHETIC example firms of
``candidates.json`` from nomination to published membership, printing each request with its
body and each answer's status. Run it with ``python -m seed_data.examples.worked_round``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

__all__ = ["main", "run_round"]

HERE = Path(__file__).resolve().parent
ROLES = ("admin", "officer", "reviewer", "chair", "tracker")
COHORTS = ("leader", "hidden-champion", "seed")


def _cohorts_command() -> list[str]:
    """The ``cohorts`` CLI of this interpreter's environment."""
    return [sys.executable, "-m", "service.cli"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Caller:
    """Sends one request as a role, prints it with its body, and insists on the expected status."""

    def __init__(self, client: httpx.Client, keys: dict[str, str]) -> None:
        self.client = client
        self.keys = keys

    def _key(self, role: str) -> dict[str, str]:
        """The role's key header; the public notice and objections take none."""
        return {} if role == "public" else {"X-API-Key": self.keys[role]}

    def __call__(
        self,
        role: str,
        method: str,
        path: str,
        *,
        body: Any = None,
        expect: int = 200,
        headers: dict[str, str] | None = None,
        show_body: bool = True,
    ) -> httpx.Response:
        shown = "" if body is None or not show_body else " " + json.dumps(body, ensure_ascii=False)
        print(f"→ {method} {path} (as {role}){shown}")
        response = self.client.request(
            method,
            path,
            json=body,
            headers={
                **({"X-API-Key": self.keys[role]} if role != "public" else {}),
                **(headers or {}),
            },
        )
        location = response.headers.get("Location")
        print(f"← {response.status_code}" + (f"  Location: {location}" if location else ""))
        if response.status_code != expect:
            raise SystemExit(f"expected {expect}, got {response.status_code}: {response.text}")
        return response


def run_round(call: Caller) -> dict[str, int]:
    """Open, nominate, score, review, decide and publish one round; the members per cohort."""
    round_body = {
        "name": "Worked example 2026 (SYNTHETIC)",
        "year": 2026,
        "reference_date": "2026-06-30",
        "capacities": {"leader": 1, "hidden-champion": 2, "seed": 3},
    }
    round_id = call("admin", "POST", "/v1/rounds", body=round_body, expect=201).json()["id"]
    base = f"/v1/rounds/{round_id}"

    candidates = json.loads((HERE / "candidates.json").read_text(encoding="utf-8"))
    print(f"  (the body is seed_data/examples/candidates.json: {len(candidates['rows'])} rows)")
    batch = call(
        "officer", "POST", f"{base}/nominations", body=candidates, expect=201, show_body=False
    ).json()
    print(f"  stored {batch['rows_stored']} rows, {batch['nominations_created']} nominations")

    call("admin", "POST", f"{base}/state", body={"state": "scoring"})
    for cohort in COHORTS:
        call(
            "admin",
            "POST",
            f"{base}/cohorts/{cohort}/score-runs",
            body={"sensitivity_draws": 200, "sensitivity_seed": 0},
            expect=201,
        )

    # Each seed nomination to one reviewer (the demo panel has one): a reviewer rates only what
    # is assigned to them.
    call(
        "admin",
        "POST",
        f"{base}/cohorts/seed/assignments",
        body={"reviewers_per_nomination": 1},
        expect=201,
    )
    items = call("reviewer", "GET", f"{base}/cohorts/seed/shortlist").json()["items"]
    first, second = items[0], items[1]
    call(
        "reviewer",
        "POST",
        f"{base}/nominations/{first['nomination_id']}/reviews",
        body={
            "ratings": [
                {"criterion": "business_model_innovation", "score": 8, "comment": "clear path"},
                {"criterion": "hard_tech_distinctiveness", "score": 7},
            ]
        },
        expect=201,
    )
    call(
        "reviewer",
        "POST",
        f"{base}/nominations/{second['nomination_id']}/conflicts",
        body={"reason": "I advised this firm in 2025"},
        expect=201,
    )
    call("admin", "POST", f"{base}/cohorts/seed/score-runs", body={}, expect=201)

    for cohort in COHORTS:
        shortlist = call("chair", "GET", f"{base}/cohorts/{cohort}/shortlist").json()["items"]
        _print_shortlist(shortlist)
        inside = [item for item in shortlist if item["within_capacity"]]
        if not inside:
            continue
        # A firm whose ratings are not all in may be selected only with a reason.
        decisions: list[dict[str, Any]] = [
            {"nomination_id": item["nomination_id"], "outcome": "select"}
            | ({} if item["ratings_complete"] else {"reason": "selected before all ratings"})
            for item in inside
        ]
        outside = [item for item in shortlist if item["passed"] and not item["within_capacity"]]
        if outside:
            decisions.append(
                {
                    "nomination_id": outside[0]["nomination_id"],
                    "outcome": "waitlist",
                    "reason": "next in line if a selected firm withdraws",
                }
            )
        call(
            "chair",
            "POST",
            f"{base}/cohorts/{cohort}/decisions",
            body={"decisions": decisions},
            expect=201,
        )

    call("admin", "POST", f"{base}/state", body={"state": "decided"})
    call("admin", "POST", f"{base}/notice", body={"days": 7})
    notice = call("public", "GET", f"/v1/notices/{round_id}")
    call(
        "public",
        "GET",
        f"/v1/notices/{round_id}",
        headers={"If-None-Match": notice.headers["ETag"]},
        expect=304,
    )
    proposed = notice.json()
    first_member = proposed["cohorts"][0]["firms"][0]
    objection = call(
        "public",
        "POST",
        f"/v1/notices/{round_id}/objections",
        body={
            "uscc": first_member["uscc"],
            "grounds": "The firm's 2024 revenue looks overstated.",
            "contact": "objector@example.org",
        },
        expect=201,
    ).json()
    call("chair", "GET", f"{base}/objections")
    call(
        "admin",
        "POST",
        f"{base}/objections/{objection['id']}/resolution",
        body={"outcome": "dismiss", "reason": "The audited 2024 filing confirms the figure."},
    )
    # Publication waits for the notice period to end (7 days); until then it is a 409 naming it.
    call(
        "admin",
        "POST",
        f"{base}/publish",
        body={"valid_from": "2026-07-01", "validity_years": 3},
        expect=409,
    )
    for cohort in COHORTS:
        members = call("tracker", "GET", f"/v1/cohorts/{cohort}/members")
        call(
            "tracker",
            "GET",
            f"/v1/cohorts/{cohort}/members",
            headers={"If-None-Match": members.headers["ETag"]},
            expect=304,
        )
    members_per_cohort = {c["cohort"]: len(c["firms"]) for c in proposed["cohorts"]}
    return members_per_cohort


def _print_shortlist(items: list[dict[str, Any]]) -> None:
    print("  rank  passed  within  stability  uscc                name")
    for item in items:
        rank = "-" if item["rank"] is None else str(item["rank"])
        print(
            f"  {rank:>4}  {item['passed']!s:6}  {item['within_capacity']!s:6}  "
            f"{item['stability']:9.2f}  {item['uscc']}  {item['name']}"
        )


def _mint_keys(env: dict[str, str], folder: Path) -> dict[str, str]:
    """One key per role, minted by one command (each command pays the service's import)."""
    # Every command below is this interpreter's own CLI, with no outside input.
    minted = subprocess.run(  # noqa: S603
        [*_cohorts_command(), "keys", "demo", "--file", str(folder / "keys.txt")],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    # After its heading, one "  ROLE KEY" line per role.
    keys = dict(line.split() for line in minted.stdout.splitlines()[1:])
    if set(keys) != set(ROLES):
        raise SystemExit(f"expected a key for each of {ROLES}, got {sorted(keys)}")
    return keys


def _wait_until_ready(client: httpx.Client, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with status {server.returncode}")
        try:
            if client.get("/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not become ready within 180 s")


def main() -> int:
    """Run the worked round against a server of its own; 0 when every step answered as shown."""
    with tempfile.TemporaryDirectory(prefix="cohorts-worked-") as folder:
        env = {
            **os.environ,
            "COHORTS_DATABASE_URL": f"sqlite:///{Path(folder) / 'cohorts.db'}",
            "COHORTS_WEBHOOK_WORKER": "false",
            "COHORTS_LOG_LEVEL": "WARNING",  # the requests below are printed already
        }
        subprocess.run([*_cohorts_command(), "db", "upgrade"], env=env, check=True)  # noqa: S603
        keys = _mint_keys(env, Path(folder))
        port = _free_port()
        server = subprocess.Popen(  # noqa: S603
            [*_cohorts_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
                _wait_until_ready(client, server)
                members = run_round(Caller(client, keys))
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"proposed in the public notice: {members}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
