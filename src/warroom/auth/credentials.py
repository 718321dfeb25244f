"""The local token store: `make run` leaves an admin token here and the CLI finds it.

One JSON file under the user's config dir, mode 0600, keyed by server URL.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import platformdirs


def credentials_path() -> Path:
    return Path(platformdirs.user_config_dir("warroom")) / "credentials.json"


def _read(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    servers = data.get("servers") if isinstance(data, dict) else None
    return servers if isinstance(servers, dict) else {}


def stored_token(url: str, path: Path | None = None) -> str | None:
    entry = _read(path or credentials_path()).get(url.rstrip("/"))
    token = entry.get("token") if isinstance(entry, dict) else None
    return token if isinstance(token, str) else None


def store_token(url: str, token: str, name: str, path: Path | None = None) -> Path:
    path = path or credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    servers = _read(path)
    servers[url.rstrip("/")] = {"token": token, "name": name}
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"servers": servers}, fh, indent=2)
    tmp.chmod(0o600)  # an existing file keeps its old mode through os.open
    tmp.replace(path)
    return path
