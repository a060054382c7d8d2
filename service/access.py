"""Who may call what: one explicit table, deny by default.

Every route of the app must appear in ``RULES``; a route without a rule answers 403 to every
key (and a test fails), so a new endpoint cannot ship open by accident.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ALL_ROLES", "PUBLIC", "RULES", "Role", "rule_for"]


class Role(StrEnum):
    """The five roles of DESIGN.md."""

    ADMIN = "admin"
    OFFICER = "officer"
    REVIEWER = "reviewer"
    CHAIR = "chair"
    TRACKER = "tracker"


ALL_ROLES: frozenset[Role] = frozenset(Role)
PUBLIC: frozenset[Role] = frozenset()  # no key needed
STAFF = frozenset({Role.ADMIN, Role.OFFICER, Role.REVIEWER, Role.CHAIR})  # all but the tracker
WRITERS = frozenset({Role.OFFICER, Role.ADMIN})  # who registers firms and submits lists
ADMIN_ONLY = frozenset({Role.ADMIN})
PANEL = frozenset({Role.ADMIN, Role.CHAIR})  # who sees every reviewer and every assignment

RULES: dict[tuple[str, str], frozenset[Role]] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): ADMIN_ONLY,
    ("GET", "/v1/whoami"): ALL_ROLES,
    # firm registry
    ("PUT", "/v1/firms/{uscc}"): WRITERS,
    ("GET", "/v1/firms/{uscc}"): STAFF,
    ("GET", "/v1/firms"): STAFF,
    ("PUT", "/v1/firms/{uscc}/filings/{fiscal_year}"): WRITERS,
    ("GET", "/v1/firms/{uscc}/filings"): STAFF,
    ("POST", "/v1/firms/{uscc}/funding-rounds"): WRITERS,
    ("GET", "/v1/firms/{uscc}/funding-rounds"): STAFF,
    # selection rounds and intake
    ("POST", "/v1/rounds"): ADMIN_ONLY,
    ("GET", "/v1/rounds"): STAFF,
    ("GET", "/v1/rounds/{round_id}"): STAFF,
    ("POST", "/v1/rounds/{round_id}/nominations"): WRITERS,
    ("GET", "/v1/rounds/{round_id}/nominations"): STAFF,
    ("GET", "/v1/rounds/{round_id}/batches/{batch_id}"): WRITERS,
    ("GET", "/v1/intake/columns"): WRITERS,
    # schemes
    ("GET", "/v1/schemes"): STAFF,
    ("GET", "/v1/schemes/{scheme_id}"): STAFF,
    ("POST", "/v1/schemes"): ADMIN_ONLY,
    ("POST", "/v1/schemes/{scheme_id}/evaluate"): STAFF,
    # growth models
    ("GET", "/v1/growth-models"): ADMIN_ONLY,
    # A card is what the shortlist and the explanation link to: every shortlist reader reads it.
    ("GET", "/v1/growth-models/{model_id}"): STAFF,
    ("POST", "/v1/growth-models"): ADMIN_ONLY,
    ("GET", "/v1/growth-models/jobs/{job_id}"): ADMIN_ONLY,
    ("POST", "/v1/growth-models/{model_id}/activate"): ADMIN_ONLY,
    # administration
    ("GET", "/v1/audit"): ADMIN_ONLY,
    # reviewer profiles and assignment (a reviewer reads only their own assignments)
    ("POST", "/v1/reviewers"): ADMIN_ONLY,
    ("GET", "/v1/reviewers"): PANEL,
    ("POST", "/v1/rounds/{round_id}/cohorts/{cohort}/assignments"): ADMIN_ONLY,
    ("POST", "/v1/rounds/{round_id}/assignments/edits"): ADMIN_ONLY,
    ("GET", "/v1/rounds/{round_id}/assignments"): PANEL | {Role.REVIEWER},
    ("GET", "/v1/rounds/{round_id}/progress"): PANEL,
    # running a round: states, score runs, shortlists, reviews, decisions, publication
    ("POST", "/v1/rounds/{round_id}/state"): ADMIN_ONLY,
    ("POST", "/v1/rounds/{round_id}/cohorts/{cohort}/score-runs"): ADMIN_ONLY,
    ("GET", "/v1/rounds/{round_id}/cohorts/{cohort}/score-runs/{run_id}"): ADMIN_ONLY,
    ("GET", "/v1/rounds/{round_id}/cohorts/{cohort}/shortlist"): STAFF,
    ("POST", "/v1/rounds/{round_id}/nominations/{nomination_id}/reviews"): frozenset(
        {Role.REVIEWER}
    ),
    ("POST", "/v1/rounds/{round_id}/nominations/{nomination_id}/conflicts"): frozenset(
        {Role.REVIEWER}
    ),
    ("POST", "/v1/rounds/{round_id}/cohorts/{cohort}/decisions"): frozenset({Role.CHAIR}),
    ("POST", "/v1/rounds/{round_id}/publish"): ADMIN_ONLY,
    # the public notice (公示): anyone reads it and objects; the programme office resolves
    ("POST", "/v1/rounds/{round_id}/notice"): ADMIN_ONLY,
    ("GET", "/v1/notices/{round_id}"): PUBLIC,
    ("POST", "/v1/notices/{round_id}/objections"): PUBLIC,
    ("GET", "/v1/rounds/{round_id}/objections"): PANEL,
    ("POST", "/v1/rounds/{round_id}/objections/{objection_id}/resolution"): ADMIN_ONLY,
    ("POST", "/v1/rounds/{round_id}/objections/{objection_id}/promotion"): ADMIN_ONLY,
    ("GET", "/v1/rounds/{round_id}/kpis"): STAFF,
    # published membership: the tracker and every role
    ("GET", "/v1/cohorts/{cohort}/members"): ALL_ROLES,
    ("GET", "/v1/firms/{uscc}/memberships"): ALL_ROLES,
    ("GET", "/v1/cohorts/changes"): ALL_ROLES,
    ("POST", "/v1/cohorts/{cohort}/members/{uscc}/end"): ADMIN_ONLY,
    # webhooks to the tracker: the programme office subscribes and looks after receivers
    ("POST", "/v1/webhooks"): ADMIN_ONLY,
    ("GET", "/v1/webhooks"): ADMIN_ONLY,
    ("GET", "/v1/webhooks/{webhook_id}"): ADMIN_ONLY,
    ("DELETE", "/v1/webhooks/{webhook_id}"): ADMIN_ONLY,
    ("POST", "/v1/webhooks/{webhook_id}/enable"): ADMIN_ONLY,
    ("GET", "/v1/webhooks/{webhook_id}/deliveries"): ADMIN_ONLY,
    ("GET", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}"): ADMIN_ONLY,
    ("POST", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry"): ADMIN_ONLY,
    # the committee's pages (signed in by cookie): the same roles as the API behind each
    ("GET", "/ui/login"): PUBLIC,
    ("POST", "/ui/login"): PUBLIC,
    ("POST", "/ui/logout"): PUBLIC,
    ("GET", "/ui"): ALL_ROLES,
    ("GET", "/ui/rounds"): STAFF,
    ("POST", "/ui/rounds"): ADMIN_ONLY,
    ("GET", "/ui/rounds/{round_id}"): STAFF,
    ("POST", "/ui/rounds/{round_id}/state"): ADMIN_ONLY,
    ("POST", "/ui/rounds/{round_id}/notice"): ADMIN_ONLY,
    ("POST", "/ui/rounds/{round_id}/publish"): ADMIN_ONLY,
    ("POST", "/ui/rounds/{round_id}/cohorts/{cohort}/score-runs"): ADMIN_ONLY,
    # The notice is public, as in the API: anyone may read it and object, signed in or not.
    ("GET", "/ui/notices/{round_id}"): PUBLIC,
    ("POST", "/ui/notices/{round_id}/objections"): PUBLIC,
    ("GET", "/ui/rounds/{round_id}/cohorts/{cohort}/shortlist"): STAFF,
    ("GET", "/ui/growth-models/{model_id}"): STAFF,
    ("GET", "/ui/rounds/{round_id}/cohorts/{cohort}/firms/{uscc}"): STAFF,
    ("GET", "/ui/rounds/{round_id}/cohorts/{cohort}/compare"): STAFF,
    ("GET", "/ui/rounds/{round_id}/cohorts/{cohort}/export"): STAFF,
    ("POST", "/ui/rounds/{round_id}/cohorts/{cohort}/firms/{uscc}/reviews"): frozenset(
        {Role.REVIEWER}
    ),
    ("POST", "/ui/rounds/{round_id}/cohorts/{cohort}/firms/{uscc}/conflicts"): frozenset(
        {Role.REVIEWER}
    ),
    ("POST", "/ui/rounds/{round_id}/cohorts/{cohort}/decisions/confirm"): frozenset({Role.CHAIR}),
    ("POST", "/ui/rounds/{round_id}/cohorts/{cohort}/decisions/edit"): frozenset({Role.CHAIR}),
    ("POST", "/ui/rounds/{round_id}/cohorts/{cohort}/decisions"): frozenset({Role.CHAIR}),
    ("GET", "/ui/assignments"): frozenset({Role.REVIEWER}),
    ("GET", "/ui/rounds/{round_id}/upload"): WRITERS,
    ("POST", "/ui/rounds/{round_id}/upload"): WRITERS,
}


def rule_for(method: str, path: str) -> frozenset[Role] | None:
    """The roles allowed on a route template, or None when the route has no rule (deny)."""
    return RULES.get((method.upper(), path))
