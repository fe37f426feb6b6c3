"""The outbox dispatcher: a thread of its own (started by ``serve`` and ``worker``) that delivers due
webhook messages, never an extraction slot and never on a request's path.

It claims due messages with a lease (a conditional UPDATE, like the job claim), so any number of nodes
can run one; it sends them concurrently on one asyncio loop, each attempt bounded by its own deadline, so
a slow or hanging receiver holds up nothing but its own delivery. Outcomes are written back against the
lease; a message whose dispatcher died is claimed again once the lease ends (at least once delivery).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import threading

import httpx

from extractd.config import Settings
from extractd.store.db import SessionFactory, transaction
from extractd.store.models import utcnow
from extractd.store.repositories.webhooks import AttemptOutcome, ClaimedMessage, WebhookMessagesRepository
from extractd.webhooks.delivery import DeliveryLimits, Message, attempt, make_client
from extractd.webhooks.retry import next_attempt_at

log = logging.getLogger(__name__)

LEASE_MARGIN_S = 5.0  # at least this much beyond the attempt's own deadline, for writing the outcome


class WebhookDispatcher:
    def __init__(self, settings: Settings, sessions: SessionFactory) -> None:
        self.settings = settings
        self.sessions = sessions
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.limits = DeliveryLimits(
            connect_timeout_s=settings.webhook_connect_timeout_s,
            total_timeout_s=settings.webhook_timeout_s,
            allow_private=settings.webhook_allow_private,
        )
        self.lease_s = max(settings.webhook_lease_s, settings.webhook_timeout_s + LEASE_MARGIN_S)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhook-dispatcher", daemon=True)

    def start(self) -> WebhookDispatcher:
        self._thread.start()
        log.info("webhook dispatcher %s started", self.owner)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        in_flight: dict[asyncio.Task[None], ClaimedMessage] = {}
        async with make_client(self.limits) as client:
            while not self._stop.is_set():
                free = self.settings.webhook_concurrency - len(in_flight)
                if free > 0:
                    for claimed in await asyncio.to_thread(self._claim_due, free):
                        task = asyncio.create_task(self._deliver(client, claimed))
                        in_flight[task] = claimed
                        task.add_done_callback(lambda done: in_flight.pop(done, None))
                await asyncio.sleep(self.settings.webhook_poll_interval_s)
            await self._abandon(in_flight)

    async def _abandon(self, in_flight: dict[asyncio.Task[None], ClaimedMessage]) -> None:
        """On stop: cancel attempts still running and hand their messages back at once."""
        unfinished = dict(in_flight)
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)
        for task, claimed in unfinished.items():
            if task.cancelled():
                await asyncio.to_thread(self._release, claimed)

    def _claim_due(self, limit: int) -> list[ClaimedMessage]:
        now = utcnow()
        try:
            with transaction(self.sessions) as session:
                messages = WebhookMessagesRepository(session)
                claimed = [
                    messages.claim(message_id, self.owner, self.lease_s, now)
                    for message_id in messages.due(now, limit)
                ]
        except Exception:
            log.exception("webhook dispatcher: could not claim due messages; trying again")
            return []
        return [message for message in claimed if message is not None]

    async def _deliver(self, client: httpx.AsyncClient, claimed: ClaimedMessage) -> None:
        message = Message(claimed.id, claimed.url, claimed.secret, claimed.body)
        outcome = await attempt(client, message, self.limits)
        await asyncio.to_thread(self._settle, claimed, outcome)

    def _settle(self, claimed: ClaimedMessage, outcome: AttemptOutcome) -> None:
        now = utcnow()
        retry_at = (
            None
            if outcome.succeeded
            else next_attempt_at(self.settings.webhook_retry_delays, claimed.attempt, now)
        )
        try:
            with transaction(self.sessions) as session:
                messages = WebhookMessagesRepository(session)
                if not messages.record(claimed, outcome, retry_at, now):
                    log.warning("webhook message %s: lease lost before its outcome was saved", claimed.id)
                    return
                disabled = messages.note_endpoint_health(
                    claimed.endpoint_id, outcome.succeeded, self.settings.webhook_disable_after_s, now
                )
        except Exception:
            # The lease will run out and the message will be tried again.
            log.exception("webhook message %s: could not save the outcome", claimed.id)
            return
        self._log(claimed, outcome, retry_at is not None, disabled)

    @staticmethod
    def _log(claimed: ClaimedMessage, outcome: AttemptOutcome, will_retry: bool, disabled: bool) -> None:
        if outcome.succeeded:
            log.info(
                "webhook message %s: delivered (attempt %d, HTTP %s)",
                claimed.id,
                claimed.attempt,
                outcome.status_code,
            )
            return
        fate = "will retry" if will_retry else "giving up"
        log.warning(
            "webhook message %s: attempt %d failed (%s); %s", claimed.id, claimed.attempt, outcome.error, fate
        )
        if disabled:
            log.warning("webhook endpoint %s disabled: it failed every attempt too long", claimed.endpoint_id)

    def _release(self, claimed: ClaimedMessage) -> None:
        try:
            with transaction(self.sessions) as session:
                WebhookMessagesRepository(session).release(claimed)
        except Exception:
            log.exception("webhook message %s: could not hand it back; its lease will run out", claimed.id)
