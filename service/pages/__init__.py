"""The committee's web pages: Jinja2 templates over the same use cases the API serves."""
