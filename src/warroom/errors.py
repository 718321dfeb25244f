"""Domain errors. Services raise these; every face maps them to its own shape.

The REST face turns them into `{"error": {"code", "message", "field"?}}` with the status
given here; the CLI turns the status into an exit code.
"""

from __future__ import annotations


class WarroomError(Exception):
    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInputError(WarroomError):
    status = 422
    code = "invalid"


class NotFoundError(WarroomError):
    status = 404
    code = "not_found"


class ConflictError(WarroomError):
    status = 409
    code = "conflict"


class UnauthorizedError(WarroomError):
    status = 401
    code = "unauthorized"


class ForbiddenError(WarroomError):
    status = 403
    code = "forbidden"
