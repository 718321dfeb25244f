"""The CLI's HTTP client: every incident verb goes through the REST API, its auth and audit."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import httpx

from warroom import __version__
from warroom.auth.credentials import credentials_path, stored_token

DEFAULT_URL = "http://127.0.0.1:8080"


class ApiError(Exception):
    """An answer the CLI shows instead of a result; `exit_code` follows the status."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field

    @property
    def exit_code(self) -> int:
        # The caller's input was wrong: 2, like a usage error. Anything else: 1.
        return 2 if self.status in (400, 413, 422) else 1


@dataclass(frozen=True)
class Target:
    url: str
    token: str | None


def resolve_target(url: str | None, token: str | None) -> Target:
    """--url/--token win, then WARROOM_URL/WARROOM_TOKEN, then the local server's stored token."""
    base = (url or os.environ.get("WARROOM_URL") or DEFAULT_URL).rstrip("/")
    secret = token or os.environ.get("WARROOM_TOKEN") or stored_token(base)
    return Target(base, secret)


class Client:
    def __init__(self, target: Target, *, timeout: float = 30.0) -> None:
        self.target = target
        headers = {"User-Agent": f"warroom-cli/{__version__}"}
        if target.token:
            headers["Authorization"] = f"Bearer {target.token}"
        self._http = httpx.Client(base_url=target.url, headers=headers, timeout=timeout)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self._http.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        if not self.target.token:
            raise ApiError(
                401,
                f"no token for {self.target.url}: set WARROOM_TOKEN, pass --token, "
                f"or start the local server once (it stores one in {credentials_path()})",
            )
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ApiError(
                503,
                f"cannot reach warroom at {self.target.url} ({exc}); is `warroom serve` running?",
            ) from None
        if response.is_success:
            return response.json() if response.content else None
        try:
            error = response.json()["error"]
            raise ApiError(response.status_code, str(error["message"]), error.get("field"))
        except (ValueError, KeyError, TypeError):
            raise ApiError(
                response.status_code, f"HTTP {response.status_code}: {response.text[:200]}"
            ) from None

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.request("POST", path, json=body or {})

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("PATCH", path, json=body)

    def put(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("PUT", path, json=body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)
