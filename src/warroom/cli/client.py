"""The CLI's HTTP client: every incident verb goes through the REST API, its auth and audit."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from warroom import __version__
from warroom.auth.credentials import (
    canonical_url,
    credentials_path,
    known_servers,
    last_server,
    stored_token,
)

DEFAULT_URL = "http://127.0.0.1:8080"
POINT_IT = "point the CLI at a server with --url or WARROOM_URL"


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
    source: str = "--url"  # how the URL was chosen, for messages


def named_url(url: str | None) -> str | None:
    """The server the user named (--url, else WARROOM_URL), or None."""
    return url or os.environ.get("WARROOM_URL") or None


def resolve_target(url: str | None, token: str | None) -> Target:
    """The server: --url, else WARROOM_URL, else the last local server started here (its
    URL is in the credentials file), else the default. The token: --token, else
    WARROOM_TOKEN, else the one stored for that server."""
    if url:
        base, source = url, "--url"
    elif os.environ.get("WARROOM_URL"):
        base, source = os.environ["WARROOM_URL"], "WARROOM_URL"
    else:
        last = last_server()
        base, source = (last, "the last local server") if last else (DEFAULT_URL, "the default")
    base = base.strip().rstrip("/")
    if "://" not in base:
        base = f"http://{base}"
    secret = token or os.environ.get("WARROOM_TOKEN") or stored_token(base)
    return Target(base, secret, source)


def _where(target: Target) -> str:
    if target.source in ("--url", "WARROOM_URL"):
        return f"{target.url} (from {target.source})"
    return f"{target.url} ({target.source})"


def _no_token(target: Target) -> str:
    known = [u for u in known_servers() if u != canonical_url(target.url)]
    message = (
        f"no token for {_where(target)}: pass --token or set WARROOM_TOKEN, "
        f"or {POINT_IT}; `warroom serve` stores its admin token in {credentials_path()}"
    )
    if known:
        message += f". Tokens are stored for: {', '.join(known)}"
    return message


Params = dict[str, Any] | list[tuple[str, Any]]


class Client:
    """JSON over HTTP with the standard library's urllib: every CLI verb starts faster
    without importing httpx (which also loads its own command line: click, pygments)."""

    def __init__(self, target: Target, *, timeout: float = 30.0) -> None:
        self.target = target
        self.timeout = timeout
        self._headers = {"User-Agent": f"warroom-cli/{__version__}", "Accept": "application/json"}
        if target.token:
            self._headers["Authorization"] = f"Bearer {target.token}"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def request(
        self, method: str, path: str, *, params: Params | None = None, json: Any = None
    ) -> Any:
        import http.client
        import json as jsonlib
        import urllib.error
        import urllib.parse
        import urllib.request

        if not self.target.token:
            raise ApiError(401, _no_token(self.target))
        url = self.target.url + path
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        headers = dict(self._headers)
        body = None
        if json is not None:
            body = jsonlib.dumps(json).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, content = response.status, response.read()
        except urllib.error.HTTPError as exc:  # an answer, with a 4xx or 5xx status
            status, content = exc.code, exc.read()
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out
            reason = getattr(exc, "reason", None) or exc
            raise ApiError(
                503,
                f"cannot reach warroom at {_where(self.target)}: {reason}. "
                f"Is `warroom serve` running there? Or {POINT_IT}",
            ) from None
        if 200 <= status < 300:
            return jsonlib.loads(content) if content else None
        try:
            error = jsonlib.loads(content)["error"]
            raise ApiError(status, str(error["message"]), error.get("field"))
        except (ValueError, KeyError, TypeError):
            text = content.decode("utf-8", "replace")[:200]
            raise ApiError(status, f"HTTP {status}: {text}") from None

    def get(self, path: str, params: Params | None = None) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.request("POST", path, json=body or {})

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("PATCH", path, json=body)

    def put(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("PUT", path, json=body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)
