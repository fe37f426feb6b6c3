"""The HTTP API: ``create_app(settings)``, error mapping, dependencies and one router per dialect."""
