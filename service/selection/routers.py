"""The selection routers, one per sub-domain; ``service.app`` includes each of ``ROUTERS``."""

from fastapi import APIRouter

from service.selection.assignments import views as assignments
from service.selection.decisions import views as decisions
from service.selection.kpis import views as kpis
from service.selection.membership import views as membership
from service.selection.notice import views as notice
from service.selection.progress import views as progress
from service.selection.publication import views as publication
from service.selection.reviews import views as reviews
from service.selection.runs import views as runs
from service.selection.shortlists import views as shortlists
from service.selection.transitions import views as transitions

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    transitions.router,
    notice.router,
    publication.router,
    runs.router,
    shortlists.router,
    assignments.router,
    reviews.router,
    decisions.router,
    membership.router,
    kpis.router,
    progress.router,
)
