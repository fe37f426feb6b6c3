"""/api/v1/extraction-jobs/{id}/review: the flagged fields of a job awaiting review, and the decision.

Thin: the body's shape is checked here, everything else is ``services.review``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from extractd.api.deps import Context, CurrentCaller
from extractd.api.v1 import render
from extractd.api.v1.common import JsonBody, error_responses, json_request_body
from extractd.api.v1.schemas import ReviewDecision, ReviewDecisionResponse, ReviewResponse
from extractd.domain.errors import ValidationFailed
from extractd.services import review

router = APIRouter(prefix="/api/v1/extraction-jobs", tags=["v1: review"])


@router.get(
    "/{job_id}/review",
    summary="Get the fields a reviewer must look at",
    description="For a job in `review_required`: each flagged field with its value, confidence, page, "
    "bbox (points, origin top-left), the text it was read from, why it was flagged and the failed "
    "checks naming it. 409 NOT_AWAITING_REVIEW for a job in any other status.",
    response_model=ReviewResponse,
    responses=error_responses(401, 404, 409),
)
def get_review(job_id: str, context: Context, caller: CurrentCaller) -> dict[str, Any]:
    view = review.get_review(context, caller.environment_id, job_id)
    job = render.status_body(view.job, context.settings)["job"]
    return {
        "success": True,
        "job": job,
        "review": {
            "threshold": view.job.document_review,
            "flaggedFieldCount": len(view.flagged),
            "fields": [flagged.to_json() for flagged in view.flagged],
        },
    }


def parse_decision(body: Any) -> ReviewDecision:
    try:
        return ReviewDecision.model_validate(body)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err['loc']) or 'body'}: {err['msg']}" for err in exc.errors()
        )
        raise ValidationFailed(f"Invalid review decision: {problems}") from exc


@router.post(
    "/{job_id}/review",
    summary="Approve (optionally with corrections) or reject a job awaiting review",
    description='`{"action":"approve","corrections":{field: value}}` completes the job with the '
    "corrections applied (checked against the job's template: an unknown field or a wrong type answers "
    '422 INVALID_CORRECTION naming it); `{"action":"reject","reason":"…"}` fails it with '
    "REVIEW_REJECTED. The result's `review` object keeps the key id, the time and each old → new value. "
    "409 NOT_AWAITING_REVIEW when the job is not awaiting review.",
    response_model=None,
    openapi_extra=json_request_body(ReviewDecision),
    responses={
        200: {"model": ReviewDecisionResponse, "description": "The decision was recorded."},
        **error_responses(400, 401, 404, 409, 413, 415, 422),
    },
)
async def decide_review(
    job_id: str, body: JsonBody, context: Context, caller: CurrentCaller
) -> dict[str, Any]:
    decision = parse_decision(body)
    if decision.action == "approve":
        job, data = await run_in_threadpool(
            review.approve, context, caller, job_id, decision.corrections, decision.document
        )
        shown = render.status_body(job, context.settings)["job"]
        return {"success": True, "job": shown, "data": render.result_body(job, data)["data"]}
    job = await run_in_threadpool(review.reject, context, caller, job_id, decision.reason or "")
    return {"success": True, "job": render.status_body(job, context.settings)["job"]}
