"""The one HTTP client factory for upstream I/O: the Hub, schemas, calls and output files.

Choices, and why:

* Every connection goes through `EgressBackend` (see `_egress`), so the egress policy holds
  for every request the client makes, whoever builds the URL.
* Proxies from the environment (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`) are ignored: a
  proxy connects on our behalf to an address we never see, so the policy could not be
  checked. `.netrc` credentials are ignored too: credentials go only where the credential
  policy sends them. A deployment that must go out through a proxy enforces egress there.
  `SSL_CERT_FILE`/`SSL_CERT_DIR` are still honoured: a CA bundle widens nothing.
* Redirects are never followed. A redirect is a second destination chosen by the upstream:
  custom headers such as `X-HF-Authorization` would follow it, and a file on the space's
  own origin could forward us elsewhere after the origin check.
"""

from __future__ import annotations

import ssl

import httpcore2
import httpx2

from gradio_mcp._version import __version__
from gradio_mcp.config import Settings
from gradio_mcp.net._egress import EgressBackend, EgressPolicy, Resolver
from gradio_mcp.net._streams import QuickIdleCheckBackend

USER_AGENT = f"gradio-mcp/{__version__}"
# Idle connections kept open. The pool checks every idle connection on every request it
# hands out or takes back, so thousands of space hosts seen once would make each request
# cost more; the Hub window's connections, and a few space hosts being called, are what is
# worth keeping.
KEEPALIVE_CONNECTIONS = 20
# How long an idle connection is reused. Well under the servers' own idle timeouts (uvicorn,
# which Gradio runs on, and Node close idle connections after 5 s): with httpx2's default of
# the same 5 s, a request sent just as the space closed the connection was lost with a
# ReadError, and a loaded machine makes that likely. A call's own requests (upload, join,
# the event stream) follow each other within milliseconds, and keep their connection.
KEEPALIVE_EXPIRY_SECONDS = 1.5


class _EgressTransport(httpx2.AsyncHTTPTransport):
    """httpx2's own transport with its connection pool rebuilt on `EgressBackend`.

    httpx2 does not take a network backend, so the pool it built is replaced; the check
    below makes sure that never silently stops happening if httpx2 changes.
    """

    def __init__(self, backend: EgressBackend, limits: httpx2.Limits) -> None:
        ssl_context = httpx2.create_ssl_context(trust_env=True)
        super().__init__(verify=ssl_context, limits=limits, trust_env=False)
        # Kept for connections made beside the pool (websockets), under the same rules.
        self.backend = backend
        self.ssl_context = ssl_context
        if not isinstance(getattr(self, "_pool", None), httpcore2.AsyncConnectionPool):
            raise RuntimeError("this httpx2 version keeps its pool elsewhere; update _client.py")
        self._pool = httpcore2.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


def connection_rules(
    client: httpx2.AsyncClient,
) -> tuple[httpcore2.AsyncNetworkBackend, ssl.SSLContext] | None:
    """The network backend (egress policy included) and TLS context of a client made by
    `new_http_client`, for connections it does not make itself (a websocket); None for any
    other client."""
    transport = getattr(client, "_transport", None)
    if isinstance(transport, _EgressTransport):
        return transport.backend, transport.ssl_context
    return None


def new_http_client(settings: Settings, *, resolver: Resolver | None = None) -> httpx2.AsyncClient:
    """An `httpx2.AsyncClient` for upstream requests under `settings`' egress policy.

    `resolver` maps a host name and port to the addresses to try (default: the event loop's
    getaddrinfo, with `localhost` names answered as loopback); every address it returns is
    still checked against the policy.
    """
    backend = EgressBackend(
        EgressPolicy.from_settings(settings), resolver, inner=QuickIdleCheckBackend()
    )
    limits = httpx2.Limits(
        max_connections=settings.max_connections,
        max_keepalive_connections=KEEPALIVE_CONNECTIONS,
        keepalive_expiry=KEEPALIVE_EXPIRY_SECONDS,
    )
    return httpx2.AsyncClient(
        transport=_EgressTransport(backend, limits),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
        trust_env=False,
    )
