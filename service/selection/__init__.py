"""Running a selection round: score runs, shortlists, reviews, decisions, publication, membership.

One package per sub-domain, each ``service.py`` (use cases) and ``views.py`` (routes) plus any
helper only it uses; a helper two sub-domains share is a noun-named module here.
"""
