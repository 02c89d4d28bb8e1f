"""Discovery's document client (aiohttp): the same egress, read-cap, redirect, proxy, cookie
and TLS rules as the upstream httpx2 client, against real servers on loopback."""

from __future__ import annotations

import gzip
import ssl
import zlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import httpx2
import pytest

from gradio_mcp.config import Settings
from gradio_mcp.net import AiohttpDocuments, Answer, EgressRefusedError, ReadLimitError
from tests.fault_server import FaultServer, Reply, repeated
from tests.net.test_egress import Resolving, _certificate

pytestmark = pytest.mark.anyio

ONLY_127_0_0_1 = Settings(allowed_networks=("127.0.0.1/32",))
MiB = 1024 * 1024


@asynccontextmanager
async def documents(
    settings: Settings = ONLY_127_0_0_1, resolver: Resolving | None = None
) -> AsyncIterator[AiohttpDocuments]:
    client = AiohttpDocuments(settings, resolver=resolver)
    try:
        yield client
    finally:
        await client.aclose()


async def get(client: AiohttpDocuments, url: str, max_bytes: int = MiB, **headers: str) -> Answer:
    return await client.get(url, headers, timeout=5, max_bytes=max_bytes, setting="THE_CAP")


async def test_an_ip_literal_not_allowed_sees_no_connection() -> None:
    async with FaultServer("127.0.0.2") as internal, documents() as client:
        internal.answer_json("/secret", {"secret": 1})
        with pytest.raises(EgressRefusedError, match=r"127\.0\.0\.2/32"):
            await get(client, f"{internal.url}/secret")
    assert internal.connections == 0


async def test_a_name_is_checked_on_the_addresses_it_resolves_to_and_only_those_used() -> None:
    async with (
        FaultServer("127.0.0.1") as allowed,
        FaultServer("127.0.0.2", port=allowed.port) as internal,
    ):
        allowed.answer_json("/", {"from": "allowed"})
        internal.answer_json("/", {"from": "internal"})
        resolver = Resolving(
            {"meta.test": ["169.254.169.254"], "mixed.test": ["127.0.0.2", "127.0.0.1"]}
        )
        async with documents(resolver=resolver) as client:
            with pytest.raises(EgressRefusedError, match=r"169\.254\.169\.254 \(link-local\)"):
                await get(client, "http://meta.test/latest/")
            answer = await get(client, f"http://mixed.test:{allowed.port}/")
    assert answer.status == 200 and answer.body == b'{"from": "allowed"}'
    assert internal.connections == 0
    assert allowed.requests_to("/")[0].headers["host"] == f"mixed.test:{allowed.port}"


async def test_each_new_connection_is_checked_again_so_rebinding_does_not_pass() -> None:
    answers = [["127.0.0.1"], ["127.0.0.2"]]

    async def rebinding(host: str, port: int) -> Sequence[str]:
        return answers.pop(0)

    async with (
        FaultServer("127.0.0.1") as allowed,
        FaultServer("127.0.0.2", port=allowed.port) as internal,
    ):
        allowed.answer_json("/", {"ok": True})
        async with documents(resolver=rebinding) as client:  # type: ignore[arg-type]
            assert (await get(client, f"http://rebind.test:{allowed.port}/")).status == 200
            with pytest.raises(EgressRefusedError):
                await get(client, f"http://rebind.test:{allowed.port}/")
    assert internal.connections == 0


async def test_localhost_needs_loopback_allowed_and_the_hub_is_always_reachable() -> None:
    async with FaultServer("127.0.0.1") as local:
        local.answer_json("/api/spaces/a/b", {"id": "a/b"})
        async with documents(Settings()) as client:
            with pytest.raises(EgressRefusedError, match="localhost"):
                await get(client, f"http://localhost:{local.port}/api/spaces/a/b")
        assert local.connections == 0
        async with documents(Settings(hf_endpoint=local.url)) as client:
            answer = await get(client, f"{local.url}/api/spaces/a/b")
    assert answer.body == b'{"id": "a/b"}'


async def test_proxies_redirects_and_cookies_are_not_followed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with FaultServer("127.0.0.1") as space, FaultServer("127.0.0.1") as proxy:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
            monkeypatch.setenv(name, proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)

        async def redirect(reply: Reply) -> None:
            headers = {"Location": "http://169.254.169.254/", "Set-Cookie": "id=1; Path=/"}
            await reply.head(302, {**headers, "Content-Length": "0"})

        space.route("/file", redirect)
        space.answer_json("/again", {})
        async with documents() as client:
            answer = await get(client, f"{space.url}/file")
            await get(client, f"{space.url}/again")
    assert answer.status == 302 and answer.headers["location"] == "http://169.254.169.254/"
    assert [e.path for e in space.exchanges] == ["/file", "/again"]
    assert "cookie" not in space.requests_to("/again")[0].headers
    assert proxy.connections == 0


async def test_tls_verifies_the_host_name_and_sends_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert_file, key_file = _certificate(tmp_path, "space.test")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)
    async with FaultServer("127.0.0.1", tls=server_tls) as space:
        space.answer_json("/", {"tls": True})
        resolver = Resolving({"space.test": ["127.0.0.1"]})
        async with documents(resolver=resolver) as client:
            answer = await get(client, f"https://space.test:{space.port}/")
            with pytest.raises(httpx2.ConnectError):  # the certificate does not name the address
                await get(client, f"https://127.0.0.1:{space.port}/")
    assert answer.body == b'{"tls": true}'
    assert space.server_names[0] == "space.test"


async def test_a_body_past_the_cap_is_abandoned_and_a_declared_one_never_read() -> None:
    async with FaultServer() as space:

        async def endless(reply: Reply) -> None:
            await reply.head(200, {"Content-Type": "application/json"})
            await reply.stream(repeated(b"x" * 65536, 50 * MiB))

        async def declared(reply: Reply) -> None:
            await reply.head(200, {"Content-Length": str(50 * MiB)})
            await reply.stream(repeated(b"x" * 65536, 50 * MiB))

        space.route("/endless", endless)
        space.route("/declared", declared)
        async with documents() as client:
            with pytest.raises(ReadLimitError, match="THE_CAP"):
                await get(client, f"{space.url}/endless")
            with pytest.raises(ReadLimitError, match=f"declares {50 * MiB} bytes"):
                await get(client, f"{space.url}/declared")
        for path in ("/endless", "/declared"):
            exchange = await space.finished(path)
            assert exchange.client_left and exchange.sent < 10 * MiB


@pytest.mark.parametrize("packing", ["gzip", "deflate", "raw deflate"])
async def test_compressed_answers_are_decoded_and_a_bomb_stops_at_the_cap(packing: str) -> None:
    encoding = packing.split()[-1]

    def pack(data: bytes) -> bytes:
        if packing == "raw deflate":
            raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
            return raw.compress(data) + raw.flush()
        return gzip.compress(data) if encoding == "gzip" else zlib.compress(data)

    small, bomb = pack(b'{"ok": true}'), pack(b"\0" * (200 * MiB))  # 200 MiB in ~200 KB
    async with FaultServer() as space:

        async def answer(reply: Reply, body: bytes) -> None:
            headers = {"Content-Encoding": encoding, "Content-Length": str(len(body))}
            await reply.head(200, headers)
            await reply.send(body)

        space.route("/small", lambda reply: answer(reply, small))
        space.route("/bomb", lambda reply: answer(reply, bomb))
        async with documents() as client:
            assert (await get(client, f"{space.url}/small")).body == b'{"ok": true}'
            with pytest.raises(ReadLimitError, match="larger than 1048576 bytes"):
                await get(client, f"{space.url}/bomb")
    assert space.requests_to("/small")[0].headers["accept-encoding"] == "gzip, deflate"


async def test_an_error_answer_gives_only_an_excerpt_and_a_slow_one_times_out() -> None:
    async with FaultServer() as space:

        async def error(reply: Reply) -> None:
            await reply.head(500, {"Content-Type": "text/plain"})
            await reply.stream(repeated(b"e" * 65536, 50 * MiB))

        async def trickle(reply: Reply) -> None:
            await reply.head(200, {"Content-Length": "1000"})
            await reply.stream((b"x" for _ in range(1000)), pause=0.05)

        space.route("/error", error)
        space.route("/slow", trickle)
        async with documents() as client:
            answer = await client.get(
                f"{space.url}/error", {}, timeout=5, max_bytes=MiB, setting="X", excerpt_bytes=160
            )
            with pytest.raises(httpx2.TimeoutException):
                await client.get(f"{space.url}/slow", {}, timeout=0.5, max_bytes=MiB, setting="X")
    assert answer.status == 500 and answer.body == b"e" * 160
