"""The local token store: `warroom serve` leaves an admin token here and the CLI finds it.

One JSON file under the user's config dir, mode 0600:
`{"servers": {URL: {"url", "token", "name", "minted_at", "started_at"}}, "last": URL,
"secret_key": local servers' ack-link signing key}`.
Each token is kept under the URL of the server it was minted for; `last` is the local
server started most recently, which the CLI talks to when no server is named. URLs are
compared in one spelling (`localhost` is `127.0.0.1`), so either finds the token.

Light on purpose (standard library and platformdirs): every CLI command reads it.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

# Hosts that are this machine's IPv4 loopback (as `warroom serve` listens by default).
_SAME_AS_LOOPBACK = {"localhost", "127.0.0.1", "0.0.0.0", ""}


def credentials_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("warroom")) / "credentials.json"


def canonical_url(url: str) -> str:
    """One spelling per server: scheme and host lower-case, `localhost` as `127.0.0.1`,
    no trailing slash; `http://` when no scheme is given."""
    text = url.strip()
    if "://" not in text:
        text = f"http://{text}"
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    if host in _SAME_AS_LOOPBACK:
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/"), "", ""))


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("servers"), dict):
        return {}
    # Older files were keyed by the URL as `serve` wrote it: key every entry canonically.
    servers = {
        canonical_url(url): entry
        for url, entry in data["servers"].items()
        if isinstance(url, str) and isinstance(entry, dict)
    }
    last = data.get("last")
    read = {"servers": servers, "last": canonical_url(last) if isinstance(last, str) else None}
    if isinstance(data.get("secret_key"), str):
        read["secret_key"] = data["secret_key"]
    return read


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
    tmp.chmod(0o600)  # an existing file keeps its old mode through os.open
    tmp.replace(path)


def stored_token(url: str, path: Path | None = None) -> str | None:
    entry = _read(path or credentials_path()).get("servers", {}).get(canonical_url(url))
    token = entry.get("token") if isinstance(entry, dict) else None
    return token if isinstance(token, str) else None


def known_servers(path: Path | None = None) -> list[str]:
    """The servers this file holds a token for, the last started first."""
    data = _read(path or credentials_path())
    servers = list(data.get("servers", {}))
    last = data.get("last")
    return sorted(servers, key=lambda url: url != last)


def last_server(path: Path | None = None) -> str | None:
    """The local server started most recently here, if the file holds its token."""
    data = _read(path or credentials_path())
    last = data.get("last")
    return last if last in data.get("servers", {}) else None


def store_token(url: str, token: str, name: str, path: Path | None = None) -> Path:
    """Keep `token` for the server at `url` (which becomes the last local server)."""
    path = path or credentials_path()
    data = _read(path) or {"servers": {}}
    now = datetime.now(UTC).isoformat(timespec="seconds")
    key = canonical_url(url)
    data["servers"][key] = {
        "url": key,
        "token": token,
        "name": name,
        "minted_at": now,
        "started_at": now,
    }
    data["last"] = key
    _write(path, data)
    return path


def local_secret_key(path: Path | None = None) -> str:
    """The signing key of local servers (`make run`), generated into this file once."""
    import secrets

    path = path or credentials_path()
    data = _read(path) or {"servers": {}}
    key = data.get("secret_key")
    if isinstance(key, str) and len(key) >= 32:
        return key
    data["secret_key"] = secrets.token_urlsafe(32)
    _write(path, data)
    return str(data["secret_key"])


def mark_started(url: str, path: Path | None = None) -> None:
    """The server at `url` (whose token is stored) started again: it is the last one."""
    path = path or credentials_path()
    data = _read(path)
    entry = data.get("servers", {}).get(canonical_url(url))
    if entry is None:
        return
    entry["started_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    data["last"] = canonical_url(url)
    _write(path, data)
