"""Persistence: SQLAlchemy models, repositories (the only place with select()), migrations, blobs."""
