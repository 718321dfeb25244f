"""The REST face's shared pieces: request context, authentication, the error shape.

Errors are always `{"error": {"code", "message", "field"?}}`; a caller's mistake is a
4xx naming the field, never a 500.
"""

import logging
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from warroom.auth import service as auth
from warroom.auth.rules import Role, last_use_is_stale
from warroom.auth.service import Principal
from warroom.clock import Clock
from warroom.config import Config
from warroom.context import Context
from warroom.db import Database
from warroom.errors import ForbiddenError, UnauthorizedError, WarroomError

log = logging.getLogger("warroom.rest")


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorOut(BaseModel):
    """Every REST error: `{"error": {"code", "message", "field"?}}`."""

    error: ErrorDetail


# What a REST route may answer besides its success, for the OpenAPI document: a body
# that is not JSON (400), no or a bad token (401), too weak a role (403), an unknown
# resource (404), a state that forbids the change (409), invalid input (422).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in (
        (400, "Malformed body"),
        (401, "Missing or unknown token"),
        (403, "The token's role cannot do this"),
        (404, "Not found"),
        (409, "Conflicts with the current state"),
        (422, "Invalid input; `field` names it"),
    )
}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    return {"error": error}


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def config(request: Request) -> Config:
    cfg: Config = request.app.state.config
    return cfg


def clock(request: Request) -> Clock:
    clk: Clock = request.app.state.clock
    return clk


def principal(
    request: Request,
    db: Annotated[Database, Depends(database)],
    clk: Annotated[Clock, Depends(clock)],
) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthorizedError("missing bearer token (Authorization: Bearer <token>)")
    now = clk.now()
    # Looked up on every request, never cached: a revoked or expired token is refused at
    # once by every API process.
    with db.read() as session:
        who = auth.authenticate(session, token.strip(), now)
    if last_use_is_stale(who.last_used_at, now):
        with db.write() as session:
            auth.record_use(session, who.token_id, now)
    return who


def require(role: Role) -> Callable[..., Principal]:
    def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if not who.role.allows(role):
            raise ForbiddenError(f"a {who.role.value} token cannot do this; needs {role.value}")
        return who

    return check


def _context(role: Role) -> Callable[..., Context]:
    def build(
        who: Annotated[Principal, Depends(require(role))],
        cfg: Annotated[Config, Depends(config)],
        clk: Annotated[Clock, Depends(clock)],
    ) -> Context:
        return Context(config=cfg, actor=who.name, now=clk.now())

    return build


Reader = Annotated[Context, Depends(_context(Role.viewer))]
Responder = Annotated[Context, Depends(_context(Role.responder))]
Admin = Annotated[Context, Depends(_context(Role.admin))]
Db = Annotated[Database, Depends(database)]


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) if parts else "body"


def _validation_message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "json_invalid":
        detail = (err.get("ctx") or {}).get("error", "")
        return f"invalid JSON: {detail}".rstrip(": ")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing" and tuple(err.get("loc", ())) == ("body",):
        return "a JSON body is required"
    return str(err.get("msg", "invalid value"))


def domain_error(exc: WarroomError) -> JSONResponse:
    """A domain error as its status and `{"error": …}` body."""
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, UnauthorizedError) else None
    return JSONResponse(
        error_body(exc.code, exc.message, exc.field), status_code=exc.status, headers=headers
    )


def internal_error(method: str, path: str) -> JSONResponse:
    """Log the exception being handled; answer a 500 that reveals nothing of it."""
    log.exception("unhandled error on %s %s", method, path)
    return JSONResponse(error_body("internal", "internal error; see the server log"), 500)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(WarroomError)
    async def _domain(_: Request, exc: WarroomError) -> JSONResponse:
        return domain_error(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        first = errors[0] if errors else {"loc": ("body",), "msg": "invalid request"}
        field = _field(tuple(first.get("loc", ())))
        message = f"{field}: {_validation_message(first)}"
        if len(errors) > 1:
            others = ", ".join(_field(tuple(e.get("loc", ()))) for e in errors[1:])
            message += f" (also: {others})"
        return JSONResponse(error_body("invalid", message, field), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
        return JSONResponse(
            error_body(codes.get(exc.status_code, "http_error"), str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return internal_error(request.method, request.url.path)
