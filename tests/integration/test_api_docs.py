"""`/docs` and `/redoc` work with no internet: every asset is served by warroom."""

from __future__ import annotations

import re

import httpx
import pytest


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_api_docs_load_nothing_from_another_host(http: httpx.Client, page: str) -> None:
    with httpx.Client(base_url=str(http.base_url)) as anonymous:
        html = anonymous.get(page)
        assert html.status_code == 200
        assert html.headers["content-type"].startswith("text/html")
        links = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html.text)
        links += re.findall(r"""(?:url|openapi_url)\s*:\s*["']([^"']+)["']""", html.text)
        assert not re.search(r"https?://|//[a-z]", html.text, re.I), html.text
        assets = [link for link in links if link.startswith("/docs/assets/")]
        assert len(assets) >= 2, links
        for link in links:
            assert link.startswith("/"), link
            answer = anonymous.get(link)
            assert answer.status_code == 200, link
            assert len(answer.content) > 100, link
        script = next(a for a in assets if a.endswith(".js"))
        assert "javascript" in anonymous.get(script).headers["content-type"]
