"""Roles and what they allow. Pure."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    viewer = "viewer"  # reads everything
    responder = "responder"  # runs incidents
    admin = "admin"  # everything, including tokens and configuration

    @property
    def level(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.level >= needed.level
