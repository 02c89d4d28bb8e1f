"""Gradio 3's websocket queue against scripted peers on loopback, hostile ones included:
the exchange as Gradio 3.50 speaks it, then huge frames, garbage, silence, refusals. The
peer is a raw TCP server that does the websocket handshake itself and then sends whatever
the test scripted, byte for byte, so nothing in between can tidy it up."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

import httpx2
import pytest
from websockets.frames import Frame, Opcode
from websockets.utils import accept_key

from gradio_mcp.config import Settings
from gradio_mcp.gradio import CallLimits, CallOutcome, ProgressUpdate, SpaceApi
from gradio_mcp.gradio._call import Call
from gradio_mcp.gradio._call import call_endpoint as run_endpoint
from gradio_mcp.gradio._inputs import call_data
from gradio_mcp.gradio._progress import ProgressTracker
from gradio_mcp.gradio._websocket import PROTOCOLS
from gradio_mcp.models import Endpoint, Parameter, Return
from gradio_mcp.net import EgressRefusedError, ReadLimits, new_http_client
from gradio_mcp.net._websocket import WebSocketError, connect_websocket

pytestmark = pytest.mark.anyio

READS = ReadLimits(hub_bytes=1 << 20, schema_bytes=1 << 20, event_bytes=64 * 1024, json_depth=16)
LIMITS = CallLimits(reads=READS)
TEXT = Parameter("text", {"type": "string"}, required=True)
IMAGE = Parameter("picture", {"type": "string"}, True, component="Image", file="single")
UPLOAD = Parameter("upload", {"type": "string"}, True, component="File", file="single")
ECHO = Endpoint("echo", "", (TEXT,), (Return("out", "Textbox", {}),), fn_index=2)
FILES = Endpoint(
    "files",
    "",
    (IMAGE, UPLOAD),
    (Return("picture", "Image", {}, file="single"), Return("copy", "File", {}, file="single")),
    fn_index=0,
)


def gradio3_space(url: str) -> SpaceApi:
    """A Gradio 3 space as discovery finds it: the websocket queue, at the root."""
    return SpaceApi(url, api_prefix="", protocol="ws")


async def call_endpoint(
    client: httpx2.AsyncClient, url: str, endpoint: Endpoint, arguments: dict[str, Any], **kw: Any
) -> CallOutcome:
    return await run_endpoint(client, gradio3_space(url), endpoint, arguments, **kw)


def frame(payload: Any, opcode: Opcode = Opcode.TEXT, fin: bool = True) -> bytes:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return Frame(opcode, data, fin=fin).serialize(mask=False)


# A frame header announcing a 1 TiB payload that never comes.
HUGE_FRAME = b"\x81\x7f" + (1 << 40).to_bytes(8, "big")

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter, "Peer"], Awaitable[None]]


class Peer:
    """A websocket server on loopback that runs `script` once the handshake is done (or
    instead of it, when `handshake` is False), and remembers what it was sent."""

    def __init__(self, script: Script, handshake: bool = True) -> None:
        self.script = script
        self.handshake = handshake
        self.requests: list[bytes] = []
        self.received: list[Any] = []
        self.closed_by_client = asyncio.Event()
        self.server: asyncio.Server | None = None
        self.url = ""

    async def __aenter__(self) -> Peer:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            self.requests.append(head)
            if head.startswith(b"GET /files/"):  # a file argument given by URL
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n\x89PNG served")
                await writer.drain()
                return
            if b"upgrade: websocket" not in head.lower() and head.startswith(b"GET "):
                writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
                return
            if head.startswith(b"POST "):  # /reset after a cancel; a call without the queue
                await self._answer_post(head, reader, writer)
                return
            if self.handshake:
                key = next(
                    line.split(b":", 1)[1].strip().decode()
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"sec-websocket-key:")
                )
                writer.write(
                    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    b"Connection: Upgrade\r\nSec-WebSocket-Accept: "
                    + accept_key(key).encode()
                    + b"\r\n\r\n"
                )
                await writer.drain()
            await self.script(reader, writer, self)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _answer_post(
        self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        self.received.append(json.loads(await reader.readexactly(length)))
        path = head.split(b" ", 2)[1].decode()
        answer = {"success": True} if path == "/reset" else {"data": [f"answered at {path}"]}
        body = json.dumps(answer).encode()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()

    async def read_message(self, reader: asyncio.StreamReader) -> Any:
        """The next text frame from the client (masked, as clients must send them): its
        JSON, or "close"; pongs and the like are skipped."""
        while True:
            head = await reader.readexactly(2)
            length = head[1] & 0x7F
            if length == 126:
                length = int.from_bytes(await reader.readexactly(2), "big")
            elif length == 127:
                length = int.from_bytes(await reader.readexactly(8), "big")
            mask = await reader.readexactly(4)
            payload = await reader.readexactly(length)
            opcode = head[0] & 0x0F
            if opcode == Opcode.CLOSE.value:
                self.closed_by_client.set()
                return "close"
            if opcode == Opcode.TEXT.value:
                message = json.loads(bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
                self.received.append(message)
                return message


async def gradio3(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    peer: Peer,
    *,
    before_data: Sequence[bytes] = (),
    after_start: Sequence[bytes] = (),
) -> None:
    """Gradio 3.50's side of a call, with extra bytes where a test wants them."""
    writer.write(frame({"msg": "send_hash"}))
    await peer.read_message(reader)
    writer.write(b"".join(before_data))
    writer.write(frame({"msg": "estimation", "rank": 0, "queue_size": 1, "rank_eta": 1.5}))
    writer.write(frame({"msg": "send_data"}))
    await writer.drain()
    await peer.read_message(reader)
    writer.write(frame({"msg": "process_starts"}))
    writer.write(b"".join(after_start))
    await writer.drain()
    await peer.read_message(reader)  # until the client closes (or the test ends)


def scripted(**parts: Any) -> Script:
    async def script(r: asyncio.StreamReader, w: asyncio.StreamWriter, peer: Peer) -> None:
        await gradio3(r, w, peer, **parts)

    return script


@pytest.fixture
async def client() -> AsyncIterator[httpx2.AsyncClient]:
    async with new_http_client(Settings(allowed_networks=("127.0.0.1/32",))) as http:
        yield http


def completed(data: list[Any], success: bool = True) -> bytes:
    return frame({"msg": "process_completed", "output": {"data": data}, "success": success})


async def test_a_call_speaks_gradio_3_and_reports_queue_and_progress(
    client: httpx2.AsyncClient,
) -> None:
    progress = frame(
        {"msg": "progress", "progress_data": [{"index": 1, "length": 4, "desc": "counting"}]}
    )
    generating = frame({"msg": "process_generating", "output": {"data": ["he"]}, "success": True})
    updates: list[ProgressUpdate] = []

    async def on_progress(update: ProgressUpdate) -> None:
        updates.append(update)

    async with Peer(scripted(after_start=[progress, generating, completed(["hello"])])) as peer:
        outcome = await call_endpoint(
            client, peer.url, ECHO, {"text": "hello"}, on_progress=on_progress, limits=LIMITS
        )

    assert outcome.error is None, outcome.error
    assert [o.value for o in outcome.outputs] == ["hello"]
    hello, data = peer.received
    assert hello == {"fn_index": 2, "session_hash": hello["session_hash"]}
    assert data == {
        "data": ["hello"],
        "event_data": None,
        "fn_index": 2,
        "session_hash": hello["session_hash"],
    }
    assert peer.requests[0].startswith(b"GET /queue/join HTTP/1.1")
    messages = [u.message for u in updates]
    assert "In queue: position 1 of 1, about 1.5s remaining" in messages
    assert "counting" in messages and "Generating: he" in messages
    assert any(u.total == 4 for u in updates)


async def test_files_go_in_inline_and_come_out_as_refs(client: httpx2.AsyncClient) -> None:
    png = base64.b64encode(b"\x89PNG fake").decode()
    out_image = f"data:image/png;base64,{png}"
    out_file = {"name": "/tmp/gradio/x/copy.txt", "data": None, "is_file": True, "size": 3}
    async with Peer(scripted(after_start=[completed([out_image, out_file])])) as peer:
        outcome = await call_endpoint(
            client,
            peer.url,
            FILES,
            {
                "picture": f"data:image/png;name=a.png;base64,{png}",
                "upload": "data:text/plain;name=notes.txt;base64,YWJj",
            },
            limits=LIMITS,
        )

    assert outcome.error is None, outcome.error
    picture, upload = peer.received[1]["data"]
    assert picture == f"data:image/png;base64,{png}"  # an Image takes a data: URI string
    assert upload == {
        "name": "notes.txt",
        "data": "data:text/plain;base64,YWJj",
        "is_file": False,
        "orig_name": "notes.txt",
        "size": 3,
    }
    image, copy = (o.file for o in outcome.outputs)
    assert image is not None and image.url == out_image and image.mime_type == "image/png"
    assert copy is not None and copy.url == f"{peer.url}/file=/tmp/gradio/x/copy.txt"
    assert copy.orig_name == "copy.txt" and copy.size == 3


async def test_a_file_given_by_url_is_fetched_and_sent_inline(
    client: httpx2.AsyncClient,
) -> None:
    async with Peer(scripted(after_start=[completed(["a", "b"])])) as peer:
        outcome = await call_endpoint(
            client,
            peer.url,
            FILES,
            {"picture": f"{peer.url}/files/a.png", "upload": f"{peer.url}/files/b.png"},
            headers={"X-HF-Authorization": "Bearer hf_own"},
            limits=LIMITS,
        )
    assert outcome.error is None, outcome.error
    served = "data:image/png;base64," + base64.b64encode(b"\x89PNG served").decode()
    picture, upload = peer.received[1]["data"]
    assert picture == served
    assert upload["data"] == served and upload["orig_name"] == "b.png"
    fetches = [r for r in peer.requests if r.startswith(b"GET /files/")]
    # The space's own origin: its credentials go with the fetch.
    assert len(fetches) == 2 and all(b"hf_own" in r for r in fetches)


async def test_a_file_url_past_the_spaces_file_cap_fails_the_call_before_it_starts(
    client: httpx2.AsyncClient,
) -> None:
    """The space's own `max_file_size` bounds a file fetched from a URL, as it bounds a
    `data:` URI: the 11-byte file is refused under a 10-byte cap, and nothing is run."""
    async with Peer(scripted()) as peer:
        outcome = await run_endpoint(
            client,
            replace(gradio3_space(peer.url), max_upload_bytes=10),
            FILES,
            {"picture": f"{peer.url}/files/a.png", "upload": "data:,x"},
            limits=LIMITS,
        )
    assert outcome.error is not None and outcome.error.title == "Bad file URL"
    assert not any(r.startswith(b"GET /queue/join") for r in peer.requests)


async def test_a_file_url_that_cannot_be_fetched_fails_the_call_before_it_starts() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return {"inside.example": ["10.1.2.3"]}.get(host, ["127.0.0.1"])

    allowed = Settings(allowed_networks=("127.0.0.1/32",))
    async with Peer(scripted()) as peer, new_http_client(allowed, resolver=resolve) as http:
        for url in ("http://inside.example/a.png", f"{peer.url}/missing.png"):
            outcome = await call_endpoint(
                http, peer.url, FILES, {"picture": url, "upload": "data:,x"}, limits=LIMITS
            )
            assert outcome.error is not None and outcome.error.title == "Bad file URL"
    assert not any(r.startswith(b"GET /queue/join") for r in peer.requests)


async def test_without_the_queue_one_post_runs_the_call(client: httpx2.AsyncClient) -> None:
    async with Peer(scripted()) as peer:
        unqueued = await call_endpoint(
            client, peer.url, replace(ECHO, queue=False), {"text": "a"}, limits=LIMITS
        )
        unknown = await call_endpoint(  # no /config: no fn_index, Gradio 3's named route
            client, peer.url, replace(ECHO, fn_index=None), {"text": "b"}, limits=LIMITS
        )
    assert unqueued.outputs[0].value == "answered at /run/predict"
    assert unknown.outputs[0].value == "answered at /api/echo"
    predict, named = peer.received
    assert predict["data"] == ["a"] and predict["fn_index"] == 2 and predict["session_hash"]
    assert named == {"data": ["b"]}


async def test_garbage_between_messages_is_skipped(client: httpx2.AsyncClient) -> None:
    garbage = [frame(b"not json {"), frame(b"[1, 2]"), frame(b"\x00\x01", Opcode.BINARY)]
    async with Peer(scripted(before_data=garbage, after_start=[completed(["ok"])])) as peer:
        outcome = await call_endpoint(client, peer.url, ECHO, {"text": "x"}, limits=LIMITS)
    assert outcome.error is None and outcome.outputs[0].value == "ok"


async def test_a_huge_frame_is_refused_from_its_header(client: httpx2.AsyncClient) -> None:
    async with Peer(scripted(after_start=[HUGE_FRAME])) as peer:
        outcome = await call_endpoint(client, peer.url, ECHO, {"text": "x"}, limits=LIMITS)
    assert outcome.error is not None and outcome.error.title == "Bad response"
    assert "GRADIO_MCP_MAX_EVENT_BYTES" in outcome.error.message


async def test_a_message_too_large_in_fragments_is_refused(client: httpx2.AsyncClient) -> None:
    piece = b"x" * 40_000
    fragments = [
        frame(b'{"msg": "' + piece, fin=False),
        frame(piece, Opcode.CONT, fin=False),  # past the 64 KiB cap here
        frame(b'"}', Opcode.CONT),
    ]
    async with Peer(scripted(after_start=fragments)) as peer:
        outcome = await call_endpoint(client, peer.url, ECHO, {"text": "x"}, limits=LIMITS)
    assert outcome.error is not None and "GRADIO_MCP_MAX_EVENT_BYTES" in outcome.error.message


async def test_too_much_in_all_is_refused(client: httpx2.AsyncClient) -> None:
    # Each message under the cap, but an endless run of them.
    chatter = frame({"msg": "log", "log": "x" * 60_000, "level": "info"})
    async with Peer(scripted(after_start=[chatter] * 40)) as peer:
        outcome = await call_endpoint(client, peer.url, ECHO, {"text": "x"}, limits=LIMITS)
    assert outcome.error is not None and "more than" in outcome.error.message


async def test_control_frames_without_end_count_too(client: httpx2.AsyncClient) -> None:
    # Pings the client must answer, never a message: the total cap still ends it.
    pings = [Frame(Opcode.PING, b"p" * 125).serialize(mask=False)] * 9000
    async with Peer(scripted(after_start=pings)) as peer:
        outcome = await call_endpoint(client, peer.url, ECHO, {"text": "x"}, limits=LIMITS)
    assert outcome.error is not None and "more than" in outcome.error.message


async def test_a_peer_that_hangs_up_mid_call_is_a_connection_error(
    client: httpx2.AsyncClient,
) -> None:
    async def hang_up(r: asyncio.StreamReader, w: asyncio.StreamWriter, peer: Peer) -> None:
        w.write(frame({"msg": "send_hash"}))
        await peer.read_message(r)
        w.write(frame({"msg": "send_data"})[:3])  # half a frame, then the line goes dead
        await w.drain()
        w.transport.abort()

    async with Peer(hang_up) as peer:
        outcome = await call_endpoint(client, peer.url, ECHO, {"text": "x"}, limits=LIMITS)
    assert outcome.error is not None and outcome.error.title == "Connection error"


async def test_a_peer_that_never_completes_times_out_and_the_socket_is_closed(
    client: httpx2.AsyncClient,
) -> None:
    async with Peer(scripted()) as peer:
        outcome = await call_endpoint(
            client, peer.url, ECHO, {"text": "x"}, limits=replace(LIMITS, read_timeout=0.5)
        )
        await asyncio.wait_for(peer.closed_by_client.wait(), 5)
    assert outcome.error is not None and outcome.error.title == "Timeout"


async def test_a_whole_call_is_bounded_even_when_the_peer_keeps_talking(
    client: httpx2.AsyncClient,
) -> None:
    async def chatty(r: asyncio.StreamReader, w: asyncio.StreamWriter, peer: Peer) -> None:
        w.write(frame({"msg": "send_hash"}))
        await w.drain()
        while True:
            w.write(frame({"msg": "estimation", "rank": 3, "queue_size": 9}))
            await w.drain()
            await asyncio.sleep(0.05)

    async with Peer(chatty) as peer:
        outcome = await call_endpoint(
            client, peer.url, ECHO, {"text": "x"}, limits=replace(LIMITS, max_duration=0.5)
        )
    assert outcome.error is not None and outcome.error.title == "Timeout"


async def test_failures_the_space_reports_read_as_gradio_3_writes_them(
    client: httpx2.AsyncClient,
) -> None:
    failed = frame({"msg": "process_completed", "output": {"error": "bad input"}, "success": False})
    async with Peer(scripted(after_start=[failed])) as peer:
        outcome = await call_endpoint(client, peer.url, ECHO, {"text": "x"}, limits=LIMITS)
    assert outcome.error is not None and "bad input" in outcome.error.message

    async def full(r: asyncio.StreamReader, w: asyncio.StreamWriter, peer: Peer) -> None:
        w.write(frame({"msg": "send_hash"}))
        await peer.read_message(r)
        w.write(frame({"msg": "queue_full"}))
        await w.drain()
        await peer.read_message(r)

    async with Peer(full) as peer:
        outcome = await call_endpoint(client, peer.url, ECHO, {"text": "x"}, limits=LIMITS)
    assert outcome.error is not None and outcome.error.title == "Queue full"


async def test_a_refused_handshake_says_so_with_its_status(client: httpx2.AsyncClient) -> None:
    async def refuse(r: asyncio.StreamReader, w: asyncio.StreamWriter, peer: Peer) -> None:
        w.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n\r\nForbidden")
        await w.drain()

    async with Peer(refuse, handshake=False) as peer:
        with pytest.raises(WebSocketError) as raised:
            await connect_websocket(client, peer.url.replace("http", "ws"), max_message_bytes=99)
        outcome = await call_endpoint(client, peer.url, ECHO, {"text": "x"}, limits=LIMITS)
    assert raised.value.status == 403
    assert outcome.error is not None and "403" in outcome.error.message


async def test_a_silent_handshake_times_out(client: httpx2.AsyncClient) -> None:
    async def silent(r: asyncio.StreamReader, w: asyncio.StreamWriter, peer: Peer) -> None:
        await asyncio.sleep(30)

    async with Peer(silent, handshake=False) as peer:
        with pytest.raises(httpx2.ConnectTimeout):
            await connect_websocket(
                client, peer.url.replace("http", "ws"), connect_timeout=0.3, max_message_bytes=9
            )


async def test_the_websocket_goes_where_the_egress_policy_allows_only() -> None:
    async with Peer(scripted(after_start=[completed(["ok"])])) as peer:
        port = int(peer.url.rsplit(":", 1)[1])
        # The default policy: loopback refused, as for every HTTP request.
        async with new_http_client(Settings()) as strict:
            with pytest.raises(EgressRefusedError):
                await connect_websocket(strict, f"ws://127.0.0.1:{port}/", max_message_bytes=9)
            outcome = await call_endpoint(strict, peer.url, ECHO, {"text": "x"})
        assert outcome.error is not None and outcome.error.title == "Connection refused"

        # A name resolved by the client's own resolver, its address checked by the policy.
        async def resolve(host: str, port: int) -> list[str]:
            return {"space.example": ["127.0.0.1"], "inside.example": ["10.1.2.3"]}[host]

        allowed = Settings(allowed_networks=("127.0.0.1/32",))
        async with new_http_client(allowed, resolver=resolve) as named:
            outcome = await call_endpoint(
                named, f"http://space.example:{port}", ECHO, {"text": "x"}, limits=LIMITS
            )
            assert outcome.error is None and outcome.outputs[0].value == "ok"
            assert b"Host: space.example:" in peer.requests[-1]
            with pytest.raises(EgressRefusedError, match=r"10\.1\.2\.3"):
                await connect_websocket(named, "ws://inside.example/", max_message_bytes=9)


async def test_a_client_made_elsewhere_gets_the_strictest_policy() -> None:
    async with Peer(scripted()) as peer, httpx2.AsyncClient() as foreign:
        with pytest.raises(EgressRefusedError):
            await connect_websocket(foreign, peer.url.replace("http", "ws"), max_message_bytes=9)


async def test_cancelling_the_call_closes_the_socket(client: httpx2.AsyncClient) -> None:
    async with Peer(scripted()) as peer:
        task = asyncio.create_task(call_endpoint(client, peer.url, ECHO, {"text": "x"}))
        while len(peer.received) < 2:  # the job was handed over
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.wait_for(peer.closed_by_client.wait(), 5)


def registry_call(client: httpx2.AsyncClient, base: str, endpoint: Endpoint) -> Call:
    """The shared call object a registry hands its protocol, with a session of its own."""
    limits = CallLimits(read_timeout=5.0, reads=READS)
    call = Call(client, gradio3_space(base), endpoint, None, ProgressTracker(None), limits)
    call.session_hash = "shared01"
    return call


async def test_the_protocol_object_runs_a_registry_s_call(client: httpx2.AsyncClient) -> None:
    queue = PROTOCOLS["ws"]
    async with Peer(
        scripted(
            after_start=[completed(["ok", {"name": "/t/f.txt", "data": None, "is_file": True}])]
        )
    ) as peer:
        call = registry_call(client, peer.url, FILES)
        # The registry hands over `call_data`'s list: `data:` URIs parsed, not yet sent.
        given = {"picture": "data:image/png;base64,AAAA", "upload": "data:text/plain,hi"}
        data = await queue.upload(call, call_data(FILES, given, None))
        assert data[0] == "data:image/png;base64,AAAA"
        assert data[1]["data"] == "data:text/plain;base64,aGk=" and data[1]["is_file"] is False
        outputs = await queue.run(call, data)
    assert peer.received[0]["session_hash"] == "shared01"  # the registry's session
    assert outputs[0].value == "ok" and outputs[1].file is not None
    assert outputs[1].file.url == f"{peer.url}/file=/t/f.txt"

    async with Peer(scripted()) as peer:
        call = registry_call(client, peer.url, ECHO)
        task = asyncio.create_task(queue.run(call, ["x"]))
        while len(peer.received) < 2:
            await asyncio.sleep(0.01)
        await queue.cancel(call)
        await asyncio.wait_for(peer.closed_by_client.wait(), 5)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
