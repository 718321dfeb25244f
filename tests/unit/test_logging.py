"""The log set-up: uvicorn's access log only when asked for (its records propagate to the
root handler otherwise), every line scrubbed of secrets and colour codes."""

from __future__ import annotations

import io
import json
import logging

from warroom.observability import configure_logging


def _lines_of(name: str, message: str, *args: object) -> list[dict[str, object]]:
    stream = io.StringIO()
    root = logging.getLogger()
    root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    logging.getLogger(name).info(message, *args)
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_the_access_log_is_off_unless_asked_for() -> None:
    saved = logging.getLogger().handlers[:], logging.getLogger().level
    # Other tests' uvicorn servers set its loggers' levels (log_level="warning").
    levels = {n: logging.getLogger(n).level for n in ("uvicorn.access", "warroom")}
    for name in levels:
        logging.getLogger(name).setLevel(logging.NOTSET)
    try:
        configure_logging("info")
        assert _lines_of("uvicorn.access", '%s - "%s %s"', "127.0.0.1", "GET", "/healthz") == []
        configure_logging("info", access_log=True)
        key = "0123456789abcdef0123456789abcdef"
        path = f"/api/v1/integrations/{key}/generic"
        [line] = _lines_of("uvicorn.access", '%s - "%s %s"', "127.0.0.1", "POST", path)
        assert "/api/v1/integrations/[redacted]/generic" in str(line["message"])
        assert key not in json.dumps(line)
        [plain] = _lines_of("warroom", "\x1b[31mred\x1b[0m %s", "text")
        assert plain["message"] == "red text"
    finally:
        logging.getLogger().handlers, level = saved
        logging.getLogger().setLevel(level)
        logging.getLogger("uvicorn.access").disabled = False
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)
