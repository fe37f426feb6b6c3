"""Where the server is and which key to send, from arguments or the environment, in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from extractd_client.protocol import Call, Dropped, Reply

DEFAULT_URL = "http://127.0.0.1:8000"
USER_AGENT = "extractd-client/0.1"

# httpx errors raised before a request reached the server: resending such a request is always safe.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class Connection:
    base_url: str
    api_key: str | None
    timeout: float

    @classmethod
    def resolve(
        cls, base_url: str | None, api_key: str | None, timeout: float, env: Mapping[str, str] | None = None
    ) -> Connection:
        """Arguments first, then ``EXTRACTD_URL`` and ``EXTRACTD_API_KEY``."""
        env = os.environ if env is None else env
        return cls(
            base_url=(base_url or env.get("EXTRACTD_URL") or DEFAULT_URL).rstrip("/"),
            api_key=api_key or env.get("EXTRACTD_API_KEY") or None,
            timeout=timeout,
        )

    def headers(self) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"api-key {self.api_key}"
        return headers


def build_request(http: httpx.Client | httpx.AsyncClient, call: Call) -> httpx.Request:
    return http.build_request(
        call.method,
        call.path,
        params=call.params,
        json=call.json,
        files=call.files,
        data=call.data,
        headers=dict(call.headers),
    )


def outcome_of(response: httpx.Response) -> Reply:
    return Reply(response.status_code, response.headers, response.content)


def dropped(error: httpx.TransportError) -> Dropped:
    return Dropped(error, before_sending=isinstance(error, NOT_SENT))
