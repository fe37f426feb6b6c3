"""The jobs dialect (DESIGN.md §4): /api/jobs, /api/documents and the rest, a thin router per resource
over the same services as v1. ``router.router`` mounts them all under /api."""
