"""The intake endpoints as the OpenAPI document describes them: each format's request
body (from the same pydantic models that validate it) and the answers the hand-written
intake code really gives, so that clients, and schemathesis, see the real contract."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from warroom.alerts.formats import datadog, pagerduty


class IntakeErrorDetail(BaseModel):
    code: str = Field(description="invalid (400, 422) or rejected")
    message: str
    errors: list[str] = Field(description="Each problem, naming its field")


class IntakeError(BaseModel):
    error: IntakeErrorDetail


class PagerDutyAccepted(BaseModel):
    status: str = Field(examples=["success"])
    message: str
    dedup_key: str = Field(description="The event's key; generated when none was given")


class PagerDutyChangeAccepted(BaseModel):
    status: str = Field(examples=["success"])
    message: str


class PagerDutyError(BaseModel):
    status: str = Field(examples=["invalid event", "throttle event"])
    message: str
    errors: list[str] = Field(default_factory=list)


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    """`schema` with its `#/$defs/…` references replaced by what they name (the intake
    models are not recursive), so that it stands alone inside the OpenAPI document."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline(item, defs) for item in schema]
    return schema


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    inlined: dict[str, Any] = _inline(schema, schema.get("$defs", {}))
    return inlined


def datadog_schema() -> dict[str, Any]:
    schema = json_schema(datadog.WireDatadog)
    # Datadog fills a template, so values come as strings or numbers: what the
    # validators take, not only what they produce.
    properties = schema.get("properties", {})
    text_or_number = {"type": ["string", "number", "null"]}
    for field, value in list(properties.items()):
        if value.get("anyOf") == [{"type": "string"}, {"type": "null"}]:
            properties[field] = text_or_number
    properties["tags"] = {
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        "description": 'Datadog\'s "$TAGS": "env:prod,service:checkout", or a list',
    }
    for field in ("date", "last_updated"):
        properties[field] = {
            "type": ["string", "number", "null"],
            "description": "Epoch milliseconds or seconds, or an ISO 8601 time",
        }
    return schema


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def request_body(schema: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` of an intake route: its format's body (`AlertFormat.body`)."""
    return _body(schema)


def pagerduty_event_schema() -> dict[str, Any]:
    schema = json_schema(pagerduty.WireEvent)
    payload = json_schema(pagerduty.WirePayload)
    schema["properties"]["payload"] = {
        "anyOf": [payload, {"type": "null"}],
        "description": "Required for trigger; ignored for acknowledge and resolve",
    }
    return schema


def pagerduty_change_openapi() -> dict[str, Any]:
    return _body(json_schema(pagerduty.WireChangeEvent))


def _answers(model: type[BaseModel], **descriptions: str) -> dict[int | str, dict[str, Any]]:
    return {
        int(status.removeprefix("s")): {"model": model, "description": text}
        for status, text in descriptions.items()
    }


WEBHOOK_RESPONSES = _answers(
    IntakeError,
    s400="Malformed JSON",
    s403="The key is of an integration of another kind",
    s404="Unknown or revoked integration key",
    s413="Body over 512 KB",
    s415="Content-Type is not JSON",
    s422="Not a valid notification of this format (nothing stored)",
    s429="Over the integration's rate limit, or too many unknown keys from this address "
    "(Retry-After: seconds to wait)",
)
PAGERDUTY_RESPONSES = _answers(
    PagerDutyError,
    s400="Invalid event or malformed JSON",
    s403="The routing key is of an integration of another kind",
    s404="Unknown or revoked routing key",
    s413="Body over 512 KB",
    s415="Content-Type is not JSON",
    s429="Over the integration's rate limit, or too many unknown keys from this address "
    "(Retry-After: seconds to wait)",
)
