"""The HTTP layer: the site apps (pages and JSON API), the landing page, and error mapping."""
