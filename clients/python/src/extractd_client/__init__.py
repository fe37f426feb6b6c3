"""extractd-client: a light Python client for an extractd server.

from extractd_client import Client
result = Client("http://127.0.0.1:8000", api_key).extract("invoice.pdf", template="invoice")
print(result.documents[0].content["total_amount"])
"""

from extractd_client import errors, webhooks
from extractd_client.aio import AsyncClient
from extractd_client.client import Client
from extractd_client.errors import (
    ConnectionFailed,
    ExtractdError,
    JobFailed,
    JobNotFound,
    NotFound,
    RateLimited,
    ResultExpired,
    ReviewRequired,
    WaitTimeout,
)
from extractd_client.operations import JobOptions
from extractd_client.protocol import RetryPolicy
from extractd_client.types import (
    Document,
    ExtractionResult,
    Filter,
    Job,
    JobPage,
    Review,
    Template,
    Webhook,
    WebhookEvent,
)

__all__ = [
    "AsyncClient",
    "Client",
    "ConnectionFailed",
    "Document",
    "ExtractdError",
    "ExtractionResult",
    "Filter",
    "Job",
    "JobFailed",
    "JobNotFound",
    "JobOptions",
    "JobPage",
    "NotFound",
    "RateLimited",
    "ResultExpired",
    "RetryPolicy",
    "Review",
    "ReviewRequired",
    "Template",
    "WaitTimeout",
    "Webhook",
    "WebhookEvent",
    "errors",
    "webhooks",
]
