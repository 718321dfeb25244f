"""Log lines lose their secrets (issue 12): what each pattern catches, and what it leaves."""

from __future__ import annotations

import pytest

from warroom import redaction
from warroom.redaction import REDACTED, scrub

KEY = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        (f'127.0.0.1:5 - "POST /api/v1/integrations/{KEY}/alertmanager HTTP/1.1" 202', KEY),
        (f"unhandled error on POST /api/v1/integrations/{KEY}/generic", KEY),
        ('"GET /ack/eyJyZWYiOiJpbmMifQ.Z2xhc3M.c2lnbmF0dXJl HTTP/1.1" 200', "eyJyZWYi"),
        ("Authorization: Bearer abc.def-ghi", "abc.def-ghi"),
        ("token wr_AbCdEfGhIjKlMnOp_qrstu-vw was used", "AbCdEfGhIjKlMnOp"),
        (f'{{"routing_key": "{KEY}", "event_action": "trigger"}}', KEY),
        ("sending to mailtos://ops:hunter2hunter2@mail.example.com failed", "hunter2"),
    ],
)
def test_each_kind_of_secret_is_scrubbed(line: str, secret: str) -> None:
    scrubbed = scrub(line)
    assert secret not in scrubbed
    assert REDACTED in scrubbed


def test_admin_paths_and_ordinary_words_are_left_alone() -> None:
    for line in (
        '"DELETE /api/v1/integrations/prometheus HTTP/1.1" 200',
        '"POST /api/v1/integrations/prometheus/restore HTTP/1.1" 200',
        "job 12 (page:incident-2025-11-01-0001) failed permanently: timeout",
    ):
        assert scrub(line) == line


def test_a_remembered_value_is_scrubbed_wherever_it_appears() -> None:
    redaction.remember("s3cr3t-signing-value-of-this-process")
    assert scrub("key=s3cr3t-signing-value-of-this-process;") == f"key={REDACTED};"
    redaction.remember("short")  # too short to be a secret: ignored
    assert scrub("a short line") == "a short line"
