"""Secrets out of log lines: every record that reaches warroom's log handler is scrubbed.

What carries a secret in a request: an integration key as a webhook path segment, an ack
token as the path of an acknowledge link, an API token after `Bearer`, a PagerDuty
`routing_key` in a body, a password in a notification URL (`smtp://user:pass@host`).
Values known to be secret in this process (the signing key, declared integration keys)
are removed wherever they appear. Scrubbing happens on the formatted line, so the access
log, errors with their tracebacks and job logs are all covered by this one place.
"""

from __future__ import annotations

import re
import threading

REDACTED = "[redacted]"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # /api/v1/integrations/{key}/{kind}: the key, not the name of an admin path.
    (
        re.compile(
            r"(/api/v1/integrations/)[^/\s?#\"']+(?=/(?:alertmanager|grafana|datadog|generic)\b)"
        ),
        rf"\1{REDACTED}",
    ),
    (re.compile(r"(/ack/)[^/\s?#\"']+"), rf"\1{REDACTED}"),
    (re.compile(r"\bwr_[A-Za-z0-9_-]{8,}"), f"wr_{REDACTED}"),
    (re.compile(r"(?i)(\bbearer\s+)[^\s\"',]+"), rf"\1{REDACTED}"),
    (
        re.compile(
            r"(?i)([\"']?(?:routing_key|secret_key|token|password)[\"']?\s*[:=]\s*[\"']?)"
            r"[^\s\"',}&]+"
        ),
        rf"\1{REDACTED}",
    ),
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+@"), rf"\1{REDACTED}@"),
)


class _KnownSecrets:
    """Exact values to scrub, longest first (so no secret is left half-scrubbed)."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self.pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, secret: str) -> None:
        with self._lock:
            if secret in self._values:
                return
            self._values.add(secret)
            ordered = sorted(self._values, key=len, reverse=True)
            self.pattern = re.compile("|".join(re.escape(s) for s in ordered))


_KNOWN = _KnownSecrets()


def remember(secret: str | None) -> None:
    """Scrub this exact value from every later line (ignored when too short to be one)."""
    if secret and len(secret) >= 8:
        _KNOWN.add(secret)


def scrub(text: str) -> str:
    """`text` with every secret it carries replaced by [redacted]."""
    known = _KNOWN.pattern
    if known is not None:
        text = known.sub(REDACTED, text)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
