"""The web console (server-rendered, Jinja2): sign in with an API key, review jobs, see results."""
