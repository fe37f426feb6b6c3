"""Whether an environment's webhooks would tell a client how its job ended (deliveryMode=webhook).

Subscriptions arrive with the webhooks issue; it plugs its store in as a ``WebhookSubscriptionSource``.
Until then the source has no subscriptions, so every environment's coverage is unresolved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from extractd.domain.errors import WebhookCoverageUnresolved

JOB_END_EVENTS = frozenset({"job.completed", "job.failed"})
ALL_EVENTS = "*"


@dataclass(frozen=True)
class Subscription:
    enabled: bool
    events: frozenset[str]


class WebhookSubscriptionSource(Protocol):
    def subscriptions_of(self, environment_id: str) -> Iterable[Subscription]: ...


class NoSubscriptions:
    """The source before the webhooks issue: no environment has a subscription yet."""

    def subscriptions_of(self, environment_id: str) -> Iterable[Subscription]:
        return ()


def receives_job_end(subscription: Subscription) -> bool:
    if not subscription.enabled:
        return False
    return ALL_EVENTS in subscription.events or subscription.events >= JOB_END_EVENTS


def ensure_webhook_coverage(source: WebhookSubscriptionSource, environment_id: str) -> None:
    """Raise WebhookCoverageUnresolved unless an enabled subscription gets job.completed and job.failed."""
    if not any(receives_job_end(sub) for sub in source.subscriptions_of(environment_id)):
        raise WebhookCoverageUnresolved()
