"""The extraction engine: bytes → result dict. Pure: no DB, no HTTP, no settings."""
