"""A tracker's copy of published cohort membership, kept in sync (copy and adapt this file).

The recipe:

1. **First sync.** Note where the changes feed ends (page ``GET /v1/cohorts/changes`` until
   ``next_cursor`` is null; keep ``resume_cursor``), then read every cohort's current members
   (``GET /v1/cohorts/{cohort}/members``, following ``next_cursor``). Changes after the noted
   position are replayed on top, so nothing that happens in between is lost.
2. **Webhooks.** Subscribe (``POST /v1/webhooks``, admin) to ``membership.added`` and
   ``membership.ended``; verify each delivery with the Standard Webhooks secret
   (``handle_webhook``), de-duplicate on ``webhook-id`` and apply it.
3. **Fallback after downtime.** Whenever the receiver was down (or on a timer), page the feed
   from the saved ``resume_cursor`` until ``next_cursor`` is null and apply each change; then
   wait ``poll_after_seconds`` before asking again.

Applying a change is idempotent (keyed by firm and round), so a change seen twice — by webhook
and by the feed — does no harm. Run it: ``python tracker_sync.py --base URL --key TRACKER_KEY
--state tracker-state.json`` (``--once`` syncs and exits; otherwise it polls).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
from standardwebhooks import Webhook

__all__ = ["State", "apply", "catch_up", "first_sync", "handle_webhook", "main"]

COHORTS = ("leader", "hidden-champion", "seed")
FEED = "/v1/cohorts/changes"

State = dict[str, Any]
"""``{"cursor": str | None, "members": {uscc: membership}, "seen": [webhook ids]}``"""


def _pages(client: httpx.Client, path: str, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every page of a list, following ``next_cursor`` until it is null."""
    query = dict(params)
    while True:
        response = client.get(path, params=query)
        response.raise_for_status()
        page: dict[str, Any] = response.json()
        yield page
        if page["next_cursor"] is None:
            return
        query["cursor"] = page["next_cursor"]


def apply(state: State, change: Mapping[str, Any]) -> None:
    """Apply one feed item or webhook ``data``: an ``added`` membership joins, an ``ended`` one
    leaves (only if it is the same round's membership the copy holds)."""
    members: dict[str, Any] = state["members"]
    uscc = change["uscc"]
    if change.get("change") == "ended":
        held = members.get(uscc)
        if held is not None and held["round_id"] == change["round_id"]:
            del members[uscc]
        return
    members[uscc] = {
        key: change.get(key)
        for key in ("uscc", "name", "cohort", "round_id", "valid_from", "valid_until")
    }


def catch_up(client: httpx.Client, state: State) -> int:
    """Apply every change after the saved cursor; the seconds to wait before polling again."""
    params = {"cursor": state["cursor"]} if state["cursor"] else {}
    poll_after = 60
    for page in _pages(client, FEED, params):
        for change in page["items"]:
            apply(state, change)
        state["cursor"] = page["resume_cursor"]
        poll_after = int(page["poll_after_seconds"])
    return poll_after


def first_sync(client: httpx.Client) -> State:
    """Note the feed's end, read every cohort's current members, then replay what changed."""
    state: State = {"cursor": None, "members": {}, "seen": []}
    for page in _pages(client, FEED, {}):
        state["cursor"] = page["resume_cursor"]
    noted = state["cursor"]
    for cohort in COHORTS:
        for page in _pages(client, f"/v1/cohorts/{cohort}/members", {}):
            for member in page["items"]:
                apply(state, member)
    state["cursor"] = noted
    catch_up(client, state)
    return state


def handle_webhook(
    state: State, secret: str, body: bytes, headers: Mapping[str, str]
) -> dict[str, Any] | None:
    """Verify a delivery (raises if forged or stale), skip one already seen, apply membership
    events; the payload, or None for a repeat."""
    payload: dict[str, Any] = Webhook(secret).verify(body, dict(headers))
    message_id = headers["webhook-id"]
    if message_id in state["seen"]:
        return None
    state["seen"] = [*state["seen"][-9999:], message_id]
    if payload["type"] == "membership.added":
        apply(state, payload["data"])
    elif payload["type"] == "membership.ended":
        apply(state, {**payload["data"], "change": "ended"})
    return payload


def _load(path: Path) -> State | None:
    try:
        loaded: State = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return loaded


def _save(path: Path, state: State) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
    temporary.replace(path)


def main(argv: list[str] | None = None) -> int:
    """Sync once (``--once``) or keep polling; the state file keeps the copy and the cursor."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--base", required=True, help="the service, e.g. http://127.0.0.1:8000")
    parser.add_argument("--key", required=True, help="a tracker API key")
    parser.add_argument("--state", type=Path, default=Path("tracker-state.json"))
    parser.add_argument("--once", action="store_true")
    args = parser.parse_args(argv)
    with httpx.Client(base_url=args.base, headers={"X-API-Key": args.key}, timeout=30) as client:
        while True:
            state = _load(args.state)
            if state is None:
                state = first_sync(client)
                poll_after = 60
            else:
                poll_after = catch_up(client, state)
            _save(args.state, state)
            print(json.dumps({"members": len(state["members"]), "cursor": state["cursor"]}))
            sys.stdout.flush()
            if args.once:
                return 0
            time.sleep(poll_after)


if __name__ == "__main__":
    raise SystemExit(main())
