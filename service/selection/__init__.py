"""Running a selection round: score runs, shortlists, reviews, decisions, publication, membership.

Sub-domains, each ``service.py`` (use cases) and ``views.py`` (routes); shared helpers beside them.
"""
