"""Log output: structured events, and no secrets in tracebacks."""

from __future__ import annotations

import json

import pytest

from gradio_mcp._log import get_logger
from gradio_mcp.ops._logs import configure_logging


def _fail_with_a_token_in_scope() -> None:
    token = "hf_super_secret_token"
    raise RuntimeError(f"upstream refused ({len(token)} chars)")


@pytest.mark.parametrize("fmt", ["console", "json"])
def test_exception_logs_show_no_local_variables(
    fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("info", fmt)
    log = get_logger("gradio_mcp.test")
    try:
        _fail_with_a_token_in_scope()
    except RuntimeError:
        log.exception("tool_call_crashed", tool="demo__x")
    err = capsys.readouterr().err
    assert "tool_call_crashed" in err and "RuntimeError" in err
    assert "hf_super_secret_token" not in err


def test_json_lines_carry_the_event_fields(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("info", "json")
    get_logger("gradio_mcp.test").info("discovery", spaces=3, duration_ms=12.5)
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["event"] == "discovery" and line["spaces"] == 3 and line["level"] == "info"


def test_json_logs_carry_every_library_line_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    """uvicorn's and the MCP SDK's too, not only ours: a log pipeline that reads JSON must
    not choke on one plain line."""
    import logging

    configure_logging("info", "json")
    logging.getLogger("uvicorn.error").info("Shutting down")
    logging.getLogger("mcp.server.streamable_http").error("Error in message router")
    logging.getLogger("httpx2").warning("pool exhausted %d", 3)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    by_logger = {line["logger"]: line for line in lines}
    assert by_logger["uvicorn.error"]["event"] == "Shutting down"
    assert by_logger["uvicorn.error"]["level"] == "info"
    assert by_logger["mcp.server.streamable_http"]["level"] == "error"
    assert by_logger["httpx2"]["event"] == "pool exhausted 3"
    configure_logging("info", "json")  # configuring again adds no second handler
    logging.getLogger("uvicorn.error").warning("once")
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
