"""Scripted HTTP answers for unit tests, through an `httpx2.MockTransport` injected into the
client under test (our code takes its client as an argument, so nothing is patched).

`MockHTTP` answers each request with the first matching scripted response, exception or
callback, records every request, and hands out clients bound to it with `client()`.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx2

Handler = Callable[[httpx2.Request], "httpx2.Response | Awaitable[httpx2.Response]"]


@dataclass
class _Rule:
    url: str | None
    method: str | None
    answer: Handler
    reusable: bool

    def matches(self, request: httpx2.Request) -> bool:
        if self.method is not None and request.method != self.method.upper():
            return False
        if self.url is None:
            return True
        # A rule without a query string matches the URL whatever its query.
        wanted = self.url if "?" in self.url else str(request.url).split("?")[0]
        return str(request.url) == self.url or wanted == self.url


class MockHTTP:
    """See the module docstring. Unmatched requests get a 404 naming the URL."""

    def __init__(self) -> None:
        self._rules: list[_Rule] = []
        self.requests: list[httpx2.Request] = []
        self._clients: list[httpx2.AsyncClient] = []

    def add_response(
        self,
        *,
        url: str | None = None,
        method: str | None = None,
        status_code: int = 200,
        json: Any = None,
        text: str | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        reusable: bool = False,
    ) -> None:
        def answer(_request: httpx2.Request) -> httpx2.Response:
            if json is not None:
                return httpx2.Response(status_code, json=json, headers=headers)
            if text is not None:
                return httpx2.Response(status_code, text=text, headers=headers)
            return httpx2.Response(status_code, content=content or b"", headers=headers)

        self._rules.append(_Rule(url, method, answer, reusable))

    def add_exception(self, exception: Exception, *, url: str | None = None) -> None:
        def answer(_request: httpx2.Request) -> httpx2.Response:
            raise exception

        self._rules.append(_Rule(url, None, answer, False))

    def add_callback(self, callback: Handler, *, url: str | None = None) -> None:
        self._rules.append(_Rule(url, None, callback, True))

    def get_requests(self) -> list[httpx2.Request]:
        return list(self.requests)

    async def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        for rule in self._rules:
            if rule.matches(request):
                if not rule.reusable:
                    self._rules.remove(rule)
                answer = rule.answer(request)
                return await answer if inspect.isawaitable(answer) else answer
        return httpx2.Response(404, json={"error": f"no scripted answer for {request.url}"})

    def client(self, **kwargs: Any) -> httpx2.AsyncClient:
        """A client whose every request is answered here."""
        client = httpx2.AsyncClient(transport=httpx2.MockTransport(self), **kwargs)
        self._clients.append(client)
        return client

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()
