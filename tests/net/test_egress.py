"""The egress policy: which addresses are refused, and that every connection the upstream
client opens is checked on the address it really connects to (real servers on loopback)."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import Sequence
from pathlib import Path

import httpx2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gradio_mcp.config import Settings
from gradio_mcp.net import EgressPolicy, EgressRefusedError, new_http_client, non_public_reason
from tests.fault_server import FaultServer, Reply

pytestmark = pytest.mark.anyio

ONLY_127_0_0_1 = Settings(allowed_networks=("127.0.0.1/32",))


class Resolving:
    """A resolver that answers from a table and records every name it was asked for."""

    def __init__(self, table: dict[str, Sequence[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.asked.append(host)
        return self.table[host]


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.9.9.9", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("100.64.0.1", "shared, carrier-grade NAT"),
        ("240.0.0.1", "reserved"),
        ("192.0.2.1", "special-purpose"),
        ("::ffff:127.0.0.1", "loopback, as IPv6"),
        ("::ffff:169.254.169.254", "link-local, as IPv6"),
        ("64:ff9b::a9fe:a9fe", "link-local, as IPv6"),  # NAT64 of 169.254.169.254
        ("2002:0a00:0001::1", "private, as IPv6"),  # 6to4 of 10.0.0.1
    ],
)
def test_internal_addresses_are_refused_with_the_reason(address: str, reason: str) -> None:
    assert non_public_reason(ipaddress.ip_address(address)) == reason
    assert EgressPolicy().refusal(address) == reason


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert EgressPolicy().refusal(address) is None


def test_allowed_networks_open_exactly_what_they_list() -> None:
    policy = EgressPolicy.from_settings(Settings(allowed_networks=("127.0.0.1/32", "10.0.0.0/8")))
    assert policy.refusal("127.0.0.1") is None
    assert policy.refusal("::ffff:127.0.0.1") is None  # the same host, reached over IPv6
    assert policy.refusal("10.200.0.1") is None
    assert policy.refusal("127.0.0.2") == "loopback"
    assert policy.refusal("::1") == "loopback"
    assert policy.refusal("169.254.169.254") == "link-local"


def test_the_configured_hub_is_always_reachable() -> None:
    policy = EgressPolicy.from_settings(Settings(hf_endpoint="http://127.0.0.1:8123"))
    assert policy.approve("127.0.0.1", 8123, ["127.0.0.1"]) == ["127.0.0.1"]
    with pytest.raises(EgressRefusedError):
        policy.approve("127.0.0.1", 8124, ["127.0.0.1"])  # another port is another host


async def test_a_server_on_a_loopback_address_not_allowed_sees_no_connection() -> None:
    async with FaultServer("127.0.0.2") as internal, new_http_client(ONLY_127_0_0_1) as client:
        internal.answer_json("/secret", {"secret": 1})
        with pytest.raises(EgressRefusedError) as refused:
            await client.get(f"{internal.url}/secret")
    message = str(refused.value)
    assert "127.0.0.2" in message and "loopback" in message
    assert "GRADIO_MCP_ALLOWED_NETWORKS=127.0.0.2/32" in message
    assert internal.connections == 0


async def test_a_name_is_checked_on_the_address_it_resolves_to() -> None:
    async with FaultServer("127.0.0.2") as internal:
        internal.answer_json("/", {})
        resolver = Resolving({"metadata.test": ["169.254.169.254"], "sneaky.test": ["127.0.0.2"]})
        async with new_http_client(ONLY_127_0_0_1, resolver=resolver) as client:
            with pytest.raises(EgressRefusedError, match=r"169\.254\.169\.254 \(link-local\)"):
                await client.get("http://metadata.test/latest/meta-data/")
            with pytest.raises(EgressRefusedError, match=r"resolves to 127\.0\.0\.2"):
                await client.get(f"http://sneaky.test:{internal.port}/")
        assert resolver.asked == ["metadata.test", "sneaky.test"]
    assert internal.connections == 0


async def test_only_the_allowed_addresses_of_a_name_are_used() -> None:
    async with (
        FaultServer("127.0.0.1") as allowed,
        FaultServer("127.0.0.2", port=allowed.port) as internal,  # same port, other address
    ):
        allowed.answer_json("/", {"from": "allowed"})
        internal.answer_json("/", {"from": "internal"})
        resolver = Resolving({"mixed.test": ["127.0.0.2", "127.0.0.1"]})
        async with new_http_client(ONLY_127_0_0_1, resolver=resolver) as client:
            answer = await client.get(f"http://mixed.test:{allowed.port}/")
    assert answer.json() == {"from": "allowed"}
    assert internal.connections == 0
    assert allowed.requests_to("/")[0].headers["host"] == f"mixed.test:{allowed.port}"


async def test_each_new_connection_is_checked_again_so_rebinding_does_not_pass() -> None:
    answers = [["127.0.0.1"], ["127.0.0.2"]]

    async def rebinding(host: str, port: int) -> Sequence[str]:
        return answers.pop(0)  # a public-looking first answer, an internal one after

    async with (
        FaultServer("127.0.0.1") as allowed,
        FaultServer("127.0.0.2", port=allowed.port) as internal,
    ):
        allowed.answer_json("/", {"ok": True})
        internal.answer_json("/", {"ok": "internal"})
        async with new_http_client(ONLY_127_0_0_1, resolver=rebinding) as client:
            assert (await client.get(f"http://rebind.test:{allowed.port}/")).status_code == 200
            # The server closed that connection, so the next request opens a new one.
            with pytest.raises(EgressRefusedError):
                await client.get(f"http://rebind.test:{allowed.port}/")
    assert internal.connections == 0


async def test_localhost_is_refused_unless_loopback_is_allowed() -> None:
    async with FaultServer("127.0.0.1") as local:
        local.answer_json("/", {"ok": True})
        async with new_http_client(Settings()) as client:
            with pytest.raises(EgressRefusedError, match="localhost"):
                await client.get(f"http://localhost:{local.port}/")
            with pytest.raises(EgressRefusedError):
                await client.get(f"http://space.localhost:{local.port}/")
        assert local.connections == 0
        async with new_http_client(ONLY_127_0_0_1) as client:
            assert (await client.get(f"http://localhost:{local.port}/")).json() == {"ok": True}
    assert local.connections == 1


async def test_the_hub_is_reachable_on_loopback_without_any_allowed_network() -> None:
    async with FaultServer("127.0.0.1") as hub:
        hub.answer_json("/api/spaces/a/b", {"id": "a/b"})
        async with new_http_client(Settings(hf_endpoint=hub.url)) as client:
            assert (await client.get(f"{hub.url}/api/spaces/a/b")).json() == {"id": "a/b"}


async def test_proxies_from_the_environment_are_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    async with FaultServer("127.0.0.1") as target, FaultServer("127.0.0.1") as proxy:
        target.answer_json("/", {"direct": True})
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
            monkeypatch.setenv(name, proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        async with new_http_client(ONLY_127_0_0_1) as client:
            assert (await client.get(f"{target.url}/")).json() == {"direct": True}
    assert proxy.connections == 0


async def test_redirects_are_not_followed() -> None:
    async with FaultServer("127.0.0.1") as space:

        async def redirect(reply: Reply) -> None:
            await reply.head(302, {"Location": "http://169.254.169.254/", "Content-Length": "0"})

        space.route("/file", redirect)
        async with new_http_client(ONLY_127_0_0_1) as client:
            answer = await client.get(f"{space.url}/file")
    assert answer.status_code == 302 and len(space.exchanges) == 1


def _certificate(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for `name`: (certificate file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


async def test_tls_still_verifies_and_sends_the_host_name_not_the_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert_file, key_file = _certificate(tmp_path, "space.test")
    # A CA bundle from the environment is honoured: it widens nothing.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)
    async with FaultServer("127.0.0.1", tls=server_tls) as space:
        space.answer_json("/", {"tls": True})
        resolver = Resolving({"space.test": ["127.0.0.1"]})
        async with new_http_client(ONLY_127_0_0_1, resolver=resolver) as client:
            answer = await client.get(f"https://space.test:{space.port}/")
            # The certificate names space.test, not the address: asking for the address
            # itself must fail verification, which shows the name was what was checked.
            with pytest.raises(httpx2.ConnectError):
                await client.get(f"https://127.0.0.1:{space.port}/")
    assert answer.json() == {"tls": True}
    assert space.server_names[0] == "space.test"
    assert space.requests_to("/")[0].headers["host"] == f"space.test:{space.port}"
