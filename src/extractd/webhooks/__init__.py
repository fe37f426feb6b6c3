"""Webhook delivery: signing (Standard Webhooks), SSRF guard, retry policy, and the outbox dispatcher."""
