"""`gradio-mcp stdio`: a desktop host starts the server as a subprocess and talks over pipes."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest
from mcp.client.client import Client
from mcp.client.stdio import StdioServerParameters

from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.dev.launcher import GradioAppProcess

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture(scope="module")
def hub(gradio_apps: dict[str, GradioAppProcess]) -> Iterator[LocalHub]:
    with LocalHub() as hub:
        hub.add_space("demo/text-tools", host=gradio_apps["text_tools"].url, emoji="🔤")
        hub.add_space(
            "demo/secret", host=gradio_apps["streaming"].url, private=True, tokens=("hf_me",)
        )
        yield hub


async def test_stdio_lists_and_calls_with_the_users_own_token(hub: LocalHub) -> None:
    env = {
        **os.environ,
        "HF_ENDPOINT": hub.url,
        "HF_TOKEN": "hf_me",  # the desktop user's token: stdio acts for that user
        "GRADIO_MCP_SPACES": "demo/text-tools,demo/secret",
        "GRADIO_MCP_TRUSTED_HOSTS": "127.0.0.1:*",
        "GRADIO_MCP_ALLOWED_NETWORKS": "127.0.0.1/32",
        "GRADIO_MCP_LOG_LEVEL": "warning",
    }
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "gradio_mcp.cli", "stdio"], env=env
    )
    async with Client(params, read_timeout_seconds=60) as client:
        names = [tool.name for tool in (await client.list_tools()).tools]
        assert "text-tools__letter_counter" in names
        assert "secret__count_up" in names  # private: listed thanks to HF_TOKEN
        result = await client.call_tool(
            "text-tools__letter_counter", {"word": "banana", "letter": "a"}
        )
        assert not result.is_error
        assert result.structured_content == {"result": 3}
