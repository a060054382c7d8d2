"""The selection routers, one per concept; ``service.app`` includes each of ``ROUTERS``."""

from fastapi import APIRouter

from service.selection.routes import (
    decisions,
    kpis,
    membership,
    publication,
    reviews,
    runs,
    shortlists,
)

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    publication.router,
    runs.router,
    shortlists.router,
    reviews.router,
    decisions.router,
    membership.router,
    kpis.router,
)
