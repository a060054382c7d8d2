"""Running a selection round: score runs, shortlists, reviews, decisions, publication, membership.

Modules by concept (use cases) and ``service.selection.routes`` (their thin HTTP routers).
"""
