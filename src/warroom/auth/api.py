"""REST routes for API tokens (admins only): create, list, revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from warroom.auth import service as auth
from warroom.auth.schemas import TokenCreated, TokenIn, TokenOut
from warroom.rest import Admin, Db

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"])


@router.post("", status_code=201)
def create(body: TokenIn, ctx: Admin, db: Db) -> TokenCreated:
    return auth.create(db, name=body.name, role=body.role, expires=body.expires, now=ctx.now)


@router.get("")
def list_tokens(_ctx: Admin, db: Db) -> list[TokenOut]:
    return auth.list_tokens(db)


@router.delete("/{token}")
def revoke(
    token: Annotated[str, Path(description="The token's id, or its name if only one has it")],
    ctx: Admin,
    db: Db,
) -> TokenOut:
    return auth.revoke(db, token, now=ctx.now, by=ctx.actor)
