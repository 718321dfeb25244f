"""The acknowledge link's face: `GET /ack/{token}` shows the incident and a button, and
only the button's `POST /ack` acknowledges.

Mail and chat link previewers fetch every URL in a message with GET, so a GET never
changes anything. The POST carries the token in its form body (not in its URL, so it is
in no access log) and needs no cookie: the signed token is the whole grant. Pages are
rendered by Jinja2 with autoescaping, so an incident's title is shown as text."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from warroom.auth.links import ACK_TOKEN_MAX, AckLinks
from warroom.errors import InvalidInputError, WarroomError
from warroom.paging.acklink import service
from warroom.paging.acklink.service import AckView
from warroom.rest import Db

router = APIRouter(tags=["paging"])
FORM_MAX_BYTES = 8 * 1024  # a token and its field name, with room to spare

_templates = Environment(
    loader=PackageLoader("warroom.paging.acklink"),
    autoescape=select_autoescape(default=True),
    auto_reload=False,
)
_HEADERS = {
    # The page holds the token: never cached, never sent on as a referrer, never framed.
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'",
}


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


ANSWERS: dict[int | str, dict[str, Any]] = {
    200: _html("The incident, and what the link did"),
    403: _html("The link names someone who is not a configured person"),
    404: _html("The incident no longer exists"),
    410: _html("The link has expired, the incident is resolved, or it was reopened since"),
    413: _html("The form is larger than a token needs"),
    422: _html("The link is not valid, or the form has no token"),
}


def _render(
    heading: str,
    *,
    status: int = 200,
    view: AckView | None = None,
    message: str = "",
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    html = _templates.get_template("ack.html").render(
        heading=heading, view=view, message=message, form=form
    )
    return HTMLResponse(html, status_code=status, headers=_HEADERS)


def _refused(exc: WarroomError) -> HTMLResponse:
    return _render("Cannot acknowledge", status=exc.status, message=exc.message)


def _links(request: Request) -> AckLinks:
    links: AckLinks = request.app.state.ack_links
    return links


@router.get("/ack/{token}", response_class=HTMLResponse, responses=ANSWERS)
def ack_page(
    token: Annotated[str, Path(description="The signed token of the page's link")],
    request: Request,
    db: Db,
) -> HTMLResponse:
    """The link in a page: shows the incident and a button that acknowledges it as the
    person paged. Fetching it changes nothing."""
    links = _links(request)
    try:
        view = service.show(db, request.app.state.config, links, token)
    except WarroomError as exc:
        return _refused(exc)
    if view.acknowledged_at is not None:
        return _render(f"{view.ref} is acknowledged", view=view)
    return _render(
        f"Acknowledge {view.ref}?",
        view=view,
        message="Acknowledging stops paging for this incident.",
        form={"action": f"{links.public_url}/ack", "token": token, "person": view.person},
    )


async def _form_token(request: Request) -> str:
    """The `token` field of a url-encoded form body, read no further than a token needs."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_MAX_BYTES:
            raise _TooLargeError(f"the form is larger than {FORM_MAX_BYTES} bytes")
    try:
        fields = parse_qs(body.decode("utf-8"), max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        raise InvalidInputError("the form is not url-encoded text", field="token") from None
    values = fields.get("token") or [""]
    token = values[0].strip()
    if not token:
        raise InvalidInputError("the form has no token", field="token")
    if len(token) > ACK_TOKEN_MAX:
        raise InvalidInputError("this acknowledge link is not valid", field="token")
    return token


class _TooLargeError(WarroomError):
    status = 413
    code = "too_large"


@router.post(
    "/ack",
    response_class=HTMLResponse,
    responses=ANSWERS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {"token": {"type": "string"}},
                        "required": ["token"],
                    }
                }
            },
        }
    },
)
async def acknowledge(request: Request, db: Db) -> HTMLResponse:
    """The button of the acknowledge page: acknowledges as the person paged."""
    links = _links(request)
    try:
        token = await _form_token(request)
        view = await run_in_threadpool(
            service.acknowledge,
            db,
            request.app.state.config,
            links,
            token,
            request.app.state.clock.now(),
        )
    except WarroomError as exc:
        return _refused(exc)
    if not view.acknowledged_now:
        return _render(f"{view.ref} was already acknowledged", view=view)
    return _render(
        f"Acknowledged {view.ref}",
        view=view,
        message="Paging for this incident has stopped.",
    )
