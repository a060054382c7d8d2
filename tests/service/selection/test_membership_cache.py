"""Cached membership pages stay true to the version their rows were read at, whatever the
order in which two requests note the membership version."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Hashable

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from service.models import Membership, MembershipChange, SelectionRound
from service.pagination import PageParams
from service.selection.membership import service as membership
from service.selection.rendered import RenderedCache

_TODAY = dt.date(2026, 7, 1)


class _InterleavingCache(RenderedCache):
    """A real cache that runs ``between`` once, right after the first version is noted: what a
    second request does when the scheduler switches threads at that point."""

    def __init__(self) -> None:
        super().__init__(max_entries=16)
        self.between: Callable[[], None] | None = None

    def note_version(self, name: str, version: Hashable) -> None:
        super().note_version(name, version)
        between, self.between = self.between, None
        if between is not None:
            between()


def _publish(write_sessions: sessionmaker[Session], round_id: int, serial: int) -> None:
    """One membership and its ``added`` change, as publication writes them."""
    with write_sessions.begin() as session:
        added = Membership(
            round_id=round_id,
            cohort="seed",
            uscc=f"Y{serial:017d}",
            name=f"Synthetic firm {serial}",
            name_en=None,
            valid_from=dt.date(2026, 1, 1),
            valid_until=dt.date(2029, 1, 1),
        )
        session.add(added)
        session.flush()
        session.add(
            MembershipChange(
                membership_id=added.id, change="added", effective_on=added.valid_from
            )
        )


def _member_usccs(read_sessions: sessionmaker[Session], cache: RenderedCache) -> list[str]:
    with read_sessions() as session:
        rendered = membership.members_document(
            session,
            cache,
            cohort="seed",
            round_id=None,
            on=_TODAY,
            page=PageParams(cursor=None, limit=100),
        )
    return [item["uscc"] for item in json.loads(rendered.body)["items"]]


@pytest.mark.own_database
def test_a_page_read_before_a_publication_is_not_served_after_it(app: FastAPI) -> None:
    write_sessions: sessionmaker[Session] = app.state.write_sessions
    read_sessions: sessionmaker[Session] = app.state.read_sessions
    with write_sessions.begin() as session:
        selection_round = SelectionRound(
            name="Race round (SYNTHETIC)",
            year=2026,
            reference_date=dt.date(2026, 6, 30),
            capacities={"seed": 5},
            state="published",
        )
        session.add(selection_round)
        session.flush()
        round_id = selection_round.id
    _publish(write_sessions, round_id, 1)
    cache = _InterleavingCache()

    def second_request() -> None:
        # Request B: a publication lands, then B reads (and notes) the newer version.
        _publish(write_sessions, round_id, 2)
        with read_sessions() as session:
            membership.changes_document(session, cache, after_seq=0, limit=100)

    # Request A read the version before the publication; B runs after A noted it.
    cache.between = second_request
    assert _member_usccs(read_sessions, cache) == [f"Y{1:017d}"]
    # A later request, after the publication, must see the new member.
    assert _member_usccs(read_sessions, cache) == [f"Y{1:017d}", f"Y{2:017d}"]
