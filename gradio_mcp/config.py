"""Settings: every environment variable the package reads, validated in one place.

The reference server's variable names and units (milliseconds) are kept so a deployment
carries over; our own additions use the `GRADIO_MCP_` prefix. `HF_ENDPOINT` and the token
are read the way huggingface_hub reads them.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gradio_mcp.errors import ConfigError

PUBLIC_HUB = "https://huggingface.co"
PUBLIC_SPACE_HOST_TEMPLATE = "https://{subdomain}.hf.space"
ALWAYS_TRUSTED_HOSTS = ("*.hf.space",)
# A task outlives its longest call by this much, so its result is there to be read.
TASK_TTL_MARGIN_MS = 60_000

# Settings removed in 0.2, which no operator had a reason to turn: their values, now fixed.
HOST_CONCURRENCY = 6  # schema requests in flight to one space host
PROGRESS_RATE = 20.0  # progress notifications sent per second per call, at most
MAX_JSON_DEPTH = 64  # nesting of arrays and objects accepted in any upstream JSON
MAX_NAME_CHARS = 128  # an endpoint or parameter name, label or title taken from a space
MAX_RETRY_AFTER_MS = 300_000  # longest a Hub `Retry-After` keeps a failure remembered
TASK_POLL_INTERVAL_MS = 1000  # how often clients are asked to poll a task (pollIntervalMs)
# What a deployment that still sets one of them gets (a warning at start says so).
REMOVED_VARIABLES = {
    "GRADIO_MCP_HOST_CONCURRENCY": f"at most {HOST_CONCURRENCY} schema requests in flight to"
    " one space host",
    "GRADIO_MCP_STALE_WHILE_REVALIDATE": "expired cache entries are served while one background"
    " refresh runs (true)",
    "GRADIO_MCP_PREDICT_HOSTS": "a space's schema fetch starts before its metadata arrives"
    " whenever its host is known (true)",
    "GRADIO_MCP_PROGRESS_RATE": f"at most {PROGRESS_RATE:g} progress notifications per second"
    " per call",
    "GRADIO_MCP_MAX_JSON_DEPTH": f"upstream JSON may nest {MAX_JSON_DEPTH} levels deep",
    "GRADIO_MCP_MAX_NAME_CHARS": f"names, labels and titles from a space are cut at"
    f" {MAX_NAME_CHARS} characters (an endpoint with a longer name is left out)",
    "GRADIO_MCP_MAX_RETRY_AFTER": f"a Hub Retry-After is honoured up to {MAX_RETRY_AFTER_MS} ms",
    "GRADIO_MCP_TASK_POLL_INTERVAL": f"clients are asked to poll a task every"
    f" {TASK_POLL_INTERVAL_MS} ms",
    "GRADIO_MCP_SCHEMA_CONCURRENCY": f"schema requests are bounded per space host"
    f" ({HOST_CONCURRENCY}) and, all hosts together, by GRADIO_MCP_MAX_CONNECTIONS",
}


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("expected true/false, 1/0, yes/no or on/off")


def _parse_list(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


def _whole(low: int, high: int | None = None) -> Callable[[str], int]:
    """A whole number from `low` (up to `high`, when given)."""

    def parse(text: str) -> int:
        value = int(text.strip())
        if value < low or (high is not None and value > high):
            bounds = f", {low} or more" if high is None else f" from {low} to {high}"
            raise ValueError(f"must be a whole number{bounds}")
        return value

    return parse


_positive_int, _non_negative_int = _whole(1), _whole(0)


def _networks(text: str) -> tuple[str, ...]:
    """Comma-separated CIDRs (or single addresses), each checked and written canonically."""
    networks = []
    for item in _parse_list(text):
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP network (e.g. 10.0.0.0/8 or ::1)") from None
    return tuple(networks)


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in allowed:
            raise ValueError("must be one of " + ", ".join(allowed))
        return value

    return parse


def _url(text: str) -> str:
    value = text.strip().rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be an http:// or https:// URL")
    return value


def _host_template(text: str) -> str:
    value = text.strip().rstrip("/")
    if value and ("{subdomain}" not in value or not value.startswith(("http://", "https://"))):
        raise ValueError("must be an http(s) URL containing {subdomain}")
    return value


def _redis_url(text: str) -> str:
    value = text.strip()
    if value and not value.startswith(("redis://", "rediss://", "unix://")):
        # The value may hold a password: the message does not repeat it.
        raise ValueError("must be a redis://, rediss:// or unix:// URL")
    return value


def _key_prefix(text: str) -> str:
    value = text.strip()
    if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", value):
        raise ValueError("must be 1-64 characters of A-Z a-z 0-9 _ . : -")
    return value


def _origin(text: str) -> str:
    """An http(s) origin (scheme, host, optional port) with no path, or empty."""
    value = text.strip().rstrip("/")
    if value and not re.fullmatch(r"https?://[^/?#@\s]+", value):
        raise ValueError(
            "must be an http:// or https:// origin without a path, e.g. https://mcp.example.com"
        )
    return value


def _server_name(text: str) -> str:
    """A reverse-DNS server name as the MCP Registry takes it: `namespace/name`."""
    value = text.strip()
    if not re.fullmatch(r"[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+", value) or not 3 <= len(value) <= 200:
        raise ValueError("must be a reverse-DNS name with one slash, e.g. com.example/spaces")
    return value


def _scopes(text: str) -> tuple[str, ...]:
    # RFC 6749 scope tokens: printable ASCII without space, double quote or backslash.
    scopes = tuple(s for s in re.split(r"[\s,]+", text.strip()) if s)
    for scope in scopes:
        if not re.fullmatch(r"[\x21\x23-\x5b\x5d-\x7e]+", scope):
            raise ValueError(f"{scope!r} is not an OAuth scope")
    return scopes


# Words of GRADIO_MCP_TOOL_HINTS and the MCP tool annotations each one sets.
TOOL_HINT_WORDS: dict[str, dict[str, bool]] = {
    "read_only": {"readOnlyHint": True},
    "additive": {"readOnlyHint": False, "destructiveHint": False},
    "destructive": {"readOnlyHint": False, "destructiveHint": True},
    "idempotent": {"idempotentHint": True},
    "not_idempotent": {"idempotentHint": False},
}
_HINT_TARGET = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*)(?:/+(\w+))?")


def parse_tool_hints(text: str) -> dict[tuple[str, str | None], dict[str, bool]]:
    """`GRADIO_MCP_TOOL_HINTS` as {(space id, endpoint or None): {annotation: value}}.

    The text is `target=word,word; target=word`, a target being `owner/space` (every endpoint
    of the space) or `owner/space/endpoint`; the words are those of `TOOL_HINT_WORDS`.
    """
    rules: dict[tuple[str, str | None], dict[str, bool]] = {}
    for entry in (e.strip() for e in text.split(";")):
        if not entry:
            continue
        target, equals, words = entry.partition("=")
        match = _HINT_TARGET.fullmatch(target.strip().strip("/"))
        if not equals or match is None:
            raise ValueError(
                f"{entry!r} is not target=hints (target: owner/space or owner/space/endpoint)"
            )
        key = (match.group(1), match.group(2))
        if key in rules:
            raise ValueError(f"{target.strip()!r} is given hints twice")
        hints: dict[str, bool] = {}
        effects = 0
        for word in (w.strip().lower() for w in words.split(",")):
            if word not in TOOL_HINT_WORDS:
                known = ", ".join(TOOL_HINT_WORDS)
                raise ValueError(f"{word!r} (for {target.strip()}) is not one of {known}")
            effects += word in ("read_only", "additive", "destructive")
            for name, value in TOOL_HINT_WORDS[word].items():
                if hints.get(name, value) != value or effects > 1:
                    raise ValueError(
                        f"{target.strip()} is given contradicting hints: {words.strip()}"
                    )
                hints[name] = value
        rules[key] = hints
    return rules


def _tool_hints(text: str) -> str:
    parse_tool_hints(text)
    return text.strip()


def _setting(
    env: str,
    parse: Callable[[str], Any],
    default: Any,
    doc: str,
    unit: str = "",
    *,
    secret: bool = False,
) -> Any:
    # A secret stays out of the Settings repr (which may end up in a log or a traceback).
    return field(
        default=default,
        repr=not secret,
        metadata={"env": env, "parse": parse, "doc": doc, "unit": unit, "secret": secret},
    )


@dataclass(frozen=True)
class Settings:
    """All configuration. Build with `Settings.from_env()`; override fields with keywords."""

    # Names and units shared with the reference server.
    discovery_concurrency: int = _setting(
        "GRADIO_DISCOVERY_CONCURRENCY", _positive_int, 10, "Hub requests in flight at once"
    )
    space_info_timeout_ms: int = _setting(
        "GRADIO_SPACE_INFO_TIMEOUT", _positive_int, 5000, "timeout of one Hub request", "ms"
    )
    schema_timeout_ms: int = _setting(
        "GRADIO_SCHEMA_TIMEOUT", _positive_int, 12000, "timeout of one schema request", "ms"
    )
    space_cache_ttl_ms: int = _setting(
        "GRADIO_SPACE_CACHE_TTL", _non_negative_int, 300000, "freshness of space metadata", "ms"
    )
    schema_cache_ttl_ms: int = _setting(
        "GRADIO_SCHEMA_CACHE_TTL", _non_negative_int, 300000, "freshness of endpoint schemas", "ms"
    )
    # Our additions.
    max_connections: int = _setting(
        "GRADIO_MCP_MAX_CONNECTIONS",
        _positive_int,
        200,
        "upstream connections open at once, all hosts together: schema requests use what"
        " the Hub window leaves",
    )
    cache_max_entries: int = _setting(
        "GRADIO_MCP_CACHE_MAX_ENTRIES", _positive_int, 2048, "entries kept per cache (LRU)"
    )
    negative_cache_ttl_ms: int = _setting(
        "GRADIO_MCP_NEGATIVE_CACHE_TTL",
        _non_negative_int,
        30000,
        "how long a failed fetch is remembered",
        "ms",
    )
    # Not read from the environment (see REMOVED_VARIABLES); a library user or a test may
    # turn it off, then an expired entry waits for its refresh.
    stale_while_revalidate: bool = True
    trusted_hosts: tuple[str, ...] = _setting(
        "GRADIO_MCP_TRUSTED_HOSTS",
        _parse_list,
        (),
        "extra space hosts (host or host:port, * wildcards) that may receive the token;"
        " *.hf.space is always trusted",
    )
    allowed_networks: tuple[str, ...] = _setting(
        "GRADIO_MCP_ALLOWED_NETWORKS",
        _networks,
        (),
        "internal networks (CIDRs: loopback, private, link-local, multicast...) that upstream"
        " connections may reach, checked on the resolved address; refused otherwise"
        " (HF_ENDPOINT is always reachable)",
    )
    space_host_template: str = _setting(
        "GRADIO_MCP_SPACE_HOST_TEMPLATE",
        _host_template,
        "",
        "space URL from its subdomain, e.g. https://{subdomain}.hf.space; enables early"
        " schema fetches for a non-public Hub",
    )
    hf_endpoint: str = _setting(
        "HF_ENDPOINT", _url, PUBLIC_HUB, "the Hub API base URL (as huggingface_hub reads it)"
    )
    # The server.
    spaces: tuple[str, ...] = _setting(
        "GRADIO_MCP_SPACES", _parse_list, (), "space ids served to every caller (comma list)"
    )
    max_spaces: int = _setting(
        "GRADIO_MCP_MAX_SPACES",
        _positive_int,
        50,
        "most spaces one request may name (configured plus ?gradio=); the rest are ignored",
    )
    host: str = _setting("GRADIO_MCP_HOST", str.strip, "127.0.0.1", "address the server binds")
    port: int = _setting("GRADIO_MCP_PORT", _whole(0, 65535), 8000, "port the server listens on")
    allowed_hosts: tuple[str, ...] = _setting(
        "GRADIO_MCP_ALLOWED_HOSTS",
        _parse_list,
        (),
        "Host headers accepted on /mcp besides loopback names (host or host:*); * turns the"
        " Host/Origin check off",
    )
    allowed_origins: tuple[str, ...] = _setting(
        "GRADIO_MCP_ALLOWED_ORIGINS",
        _parse_list,
        (),
        "browser Origins accepted on /mcp besides loopback ones (e.g. https://app.example:*)",
    )
    lend_server_token: bool = _setting(
        "GRADIO_MCP_LEND_SERVER_TOKEN",
        _parse_bool,
        False,
        "use the server's own HF token for callers that send none",
    )
    list_deadline_ms: int = _setting(
        "GRADIO_MCP_LIST_DEADLINE",
        _positive_int,
        4000,
        "longest tools/list waits for a space; later ones keep loading in the background",
        "ms",
    )
    call_read_timeout_ms: int = _setting(
        "GRADIO_MCP_CALL_READ_TIMEOUT",
        _positive_int,
        60000,
        "longest silence allowed from a space during a call (Gradio beats every 15 s)",
        "ms",
    )
    call_max_duration_ms: int = _setting(
        "GRADIO_MCP_CALL_MAX_DURATION",
        _positive_int,
        900000,
        "longest a tool call may run in all",
        "ms",
    )
    wake_on_call: bool = _setting(
        "GRADIO_MCP_WAKE_ON_CALL",
        _parse_bool,
        True,
        "a tools/call to a sleeping space wakes it and waits for it (with progress)",
    )
    wake_on_list: bool = _setting(
        "GRADIO_MCP_WAKE_ON_LIST",
        _parse_bool,
        False,
        "tools/list wakes sleeping spaces in the background (listed once running)",
    )
    wake_timeout_ms: int = _setting(
        "GRADIO_MCP_WAKE_TIMEOUT",
        _positive_int,
        120000,
        "longest a call waits for a sleeping or starting space to run",
        "ms",
    )
    page_size: int = _setting(
        "GRADIO_MCP_PAGE_SIZE", _positive_int, 1000, "tools and prompts per list page"
    )
    max_name_length: int = _setting(
        "GRADIO_MCP_MAX_NAME_LENGTH",
        _whole(20, 64),
        48,
        "tool name budget (20-64), leaving room for prefixes clients add",
    )
    tool_names: str = _setting(
        "GRADIO_MCP_TOOL_NAMES",
        _choice("space", "endpoint"),
        "space",
        "tool names as space__endpoint (stable whatever else is listed) or the bare"
        " endpoint name (for one space; qualified with a hash where two spaces clash)",
    )
    inline_max_bytes: int = _setting(
        "GRADIO_MCP_INLINE_MAX_BYTES",
        _non_negative_int,
        512 * 1024,
        "largest image or audio output sent inline; larger ones become links",
        "bytes",
    )
    download_timeout_ms: int = _setting(
        "GRADIO_MCP_DOWNLOAD_TIMEOUT",
        _positive_int,
        30000,
        "longest a call's output downloads may take together, within the call's own limit;"
        " files not fetched by then stay links",
        "ms",
    )
    # Caps on what one upstream answer may cost, enforced while reading.
    max_hub_bytes: int = _setting(
        "GRADIO_MCP_MAX_HUB_BYTES",
        _positive_int,
        2 * 1024 * 1024,
        "largest Hub answer read for one space; a larger one fails that space (bad_payload)",
        "bytes",
    )
    max_schema_bytes: int = _setting(
        "GRADIO_MCP_MAX_SCHEMA_BYTES",
        _positive_int,
        8 * 1024 * 1024,
        "largest schema document (/info, /config, MCP schema) read from a space",
        "bytes",
    )
    max_event_bytes: int = _setting(
        "GRADIO_MCP_MAX_EVENT_BYTES",
        _positive_int,
        16 * 1024 * 1024,
        "largest server-sent event (and line), or other answer, from a space during a call",
        "bytes",
    )
    max_description_chars: int = _setting(
        "GRADIO_MCP_MAX_DESCRIPTION_CHARS",
        _whole(64),
        4096,
        "longest description taken from a space (an endpoint's, a parameter's, any inside a"
        " schema) and longest tool description; longer ones are cut (64 or more)",
        "characters",
    )
    workers: int = _setting(
        "GRADIO_MCP_WORKERS",
        _positive_int,
        1,
        "server processes sharing the port (gradio-mcp serve); each has its own in-process"
        " cache, shared only through Redis",
    )
    shutdown_grace_ms: int = _setting(
        "GRADIO_MCP_SHUTDOWN_GRACE",
        _non_negative_int,
        10000,
        "on SIGTERM or Ctrl-C, how long tool calls in flight may take to finish; those still"
        " running then get an error result and their jobs are cancelled on the space",
        "ms",
    )
    # Spaces found on demand, and sign-in.
    dynamic: bool = _setting(
        "GRADIO_MCP_DYNAMIC",
        _parse_bool,
        False,
        "offer search_spaces, describe_space and call_space to every caller (one request"
        " turns them on with ?dynamic=true)",
    )
    search_cache_ttl_ms: int = _setting(
        "GRADIO_MCP_SEARCH_CACHE_TTL",
        _non_negative_int,
        60000,
        "freshness of a space search's results; kept per token, never when they hold a"
        " private space",
        "ms",
    )
    search_max_results: int = _setting(
        "GRADIO_MCP_SEARCH_MAX_RESULTS",
        _whole(1, 100),
        20,
        "most spaces one search_spaces call returns (1-100); more come page by page",
    )
    tool_hints: str = _setting(
        "GRADIO_MCP_TOOL_HINTS",
        _tool_hints,
        "",
        "what the operator vouches for about tools, e.g. alice/ocr=read_only,idempotent;"
        " bob/app/reset=destructive (see docs/configuration.md)",
    )
    require_auth: bool = _setting(
        "GRADIO_MCP_REQUIRE_AUTH",
        _parse_bool,
        False,
        "answer /mcp only for a Hub token the Hub accepts; others get 401 with the OAuth"
        " metadata's address",
    )
    auth_cache_ttl_ms: int = _setting(
        "GRADIO_MCP_AUTH_CACHE_TTL",
        _non_negative_int,
        60000,
        "how long the Hub's verdict on a token is remembered (by a one-way fingerprint)",
        "ms",
    )
    public_url: str = _setting(
        "GRADIO_MCP_PUBLIC_URL",
        _origin,
        "",
        "the server's public origin (e.g. https://mcp.example.com) named in its OAuth"
        " metadata; empty: taken from each request's Host",
    )
    auth_scopes: tuple[str, ...] = _setting(
        "GRADIO_MCP_AUTH_SCOPES",
        _scopes,
        ("openid", "profile", "read-repos", "inference-api"),
        "Hub OAuth scopes a client is told to ask for when it signs in",
    )
    server_card: bool = _setting(
        "GRADIO_MCP_SERVER_CARD",
        _parse_bool,
        True,
        "publish the server card (draft SEP-2127) at /mcp/server-card: name, version, transport,"
        " sign-in, capabilities",
    )
    server_name: str = _setting(
        "GRADIO_MCP_SERVER_NAME",
        _server_name,
        "io.github.gradio-mcp/gradio-mcp",
        "the server's reverse-DNS name in its server card and MCP Registry entry"
        " (namespace/name, e.g. com.example/spaces)",
    )
    # The shared cache level (and any other state replicas share).
    redis_url: str = _setting(
        "GRADIO_MCP_REDIS_URL",
        _redis_url,
        "",
        "Redis shared by every process and replica (e.g. redis://127.0.0.1:6379/0); empty:"
        " each process caches and keeps tasks on its own",
        secret=True,
    )
    redis_timeout_ms: int = _setting(
        "GRADIO_MCP_REDIS_TIMEOUT",
        _positive_int,
        1000,
        "longest one Redis command may take; a slower one counts as Redis being down",
        "ms",
    )
    redis_secret: str = _setting(
        "GRADIO_MCP_REDIS_SECRET",
        str.strip,
        "",
        "a secret shared by every replica and never sent to Redis: with it, replicas also"
        " agree on one Hub request for a space none of them has seen yet",
        secret=True,
    )
    cache_file: str = _setting(
        "GRADIO_MCP_CACHE_FILE",
        str.strip,
        "auto",
        "SQLite file that keeps public discovery results across restarts when no Redis is"
        " set (auto: ~/.cache/gradio-mcp/discovery.sqlite3; off: none)",
    )
    redis_prefix: str = _setting(
        "GRADIO_MCP_REDIS_PREFIX",
        _key_prefix,
        "gradio-mcp",
        "first part of every Redis key, so deployments can share one Redis",
    )
    # Tasks (the MCP tasks extension, 2026-07-28 clients that opt in).
    tasks: bool = _setting(
        "GRADIO_MCP_TASKS",
        _parse_bool,
        True,
        "answer slow calls of clients that opt in with a task handle (MCP tasks extension)",
    )
    task_threshold_ms: int = _setting(
        "GRADIO_MCP_TASK_THRESHOLD",
        _non_negative_int,
        1000,
        "how long a call of a client that opted in may run before it is answered with a task"
        " handle instead of its result (0: always a task)",
        "ms",
    )
    task_ttl_ms: int = _setting(
        "GRADIO_MCP_TASK_TTL",
        _positive_int,
        1800000,
        "how long a task and its result stay retrievable, counted from its creation (at least"
        " GRADIO_MCP_CALL_MAX_DURATION plus a minute)",
        "ms",
    )
    task_lease_ms: int = _setting(
        "GRADIO_MCP_TASK_LEASE",
        _positive_int,
        30000,
        "a running task whose server has not renewed it for this long is reported failed",
        "ms",
    )
    task_max_per_caller: int = _setting(
        "GRADIO_MCP_TASK_MAX_PER_CALLER",
        _positive_int,
        100,
        "tasks one caller may hold at once, running or keeping a result (all anonymous"
        " callers share one count)",
    )
    task_max_total: int = _setting(
        "GRADIO_MCP_TASK_MAX_TOTAL",
        _positive_int,
        1000,
        "tasks held at once in all (across every server sharing GRADIO_MCP_REDIS_URL)",
    )
    task_result_max_bytes: int = _setting(
        "GRADIO_MCP_TASK_RESULT_MAX_BYTES",
        _positive_int,
        1024 * 1024,
        "largest task result kept; above it images and audio are kept as links only, and"
        " text is cut",
        "bytes",
    )
    log_level: str = _setting(
        "GRADIO_MCP_LOG_LEVEL",
        _choice("debug", "info", "warning", "error"),
        "info",
        "log level of the server",
    )
    log_format: str = _setting(
        "GRADIO_MCP_LOG_FORMAT", _choice("console", "json"), "console", "log line format"
    )

    def __post_init__(self) -> None:
        # Settings built in code get the same checks as those read from the environment.
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or "parse" not in f.metadata:
                continue
            text = ",".join(value) if isinstance(value, tuple) else str(value)
            try:
                f.metadata["parse"](text)
            except ValueError as exc:
                shown = "<hidden>" if f.metadata["secret"] else repr(value)
                raise ConfigError(f"{f.name}={shown}: {exc}") from None
        if self.max_connections <= self.discovery_concurrency:
            raise ConfigError(
                f"GRADIO_MCP_MAX_CONNECTIONS (max_connections={self.max_connections}) must be"
                " above GRADIO_DISCOVERY_CONCURRENCY (discovery_concurrency="
                f"{self.discovery_concurrency}): schema requests get the connections the Hub"
                " window leaves"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read every setting from `environ` (default: the process environment)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            name = f.metadata.get("env")  # None: a field no variable sets
            raw = None if name is None else env.get(name)
            if raw is None or f.name in overrides:
                continue
            try:
                values[f.name] = f.metadata["parse"](raw)
            except ValueError as exc:
                reason = str(exc)
                if reason.startswith("invalid literal for int()"):
                    # Durations are whole milliseconds: "1.5" is a number, just not one of those.
                    unit = " of ms" if f.name.endswith("_ms") else ""
                    reason = f"not a whole number{unit}"
                elif reason.startswith(("invalid literal", "could not convert")):
                    reason = "not a number"
                shown = "<hidden>" if f.metadata["secret"] else repr(raw)
                raise ConfigError(f"{name}={shown}: {reason}") from None
        values.update(overrides)
        return cls(**values)

    @property
    def hub_is_public(self) -> bool:
        return self.hf_endpoint.rstrip("/") == PUBLIC_HUB

    @property
    def effective_task_ttl_ms(self) -> int:
        """The task TTL in use: a task must outlive the longest call it can run."""
        return max(self.task_ttl_ms, self.call_max_duration_ms + TASK_TTL_MARGIN_MS)

    @property
    def predicted_host_template(self) -> str | None:
        """The template that maps a subdomain to a space URL, when one is known."""
        if self.space_host_template:
            return self.space_host_template
        return PUBLIC_SPACE_HOST_TEMPLATE if self.hub_is_public else None


def documented_variables() -> dict[str, dict[str, Any]]:
    """Every variable `Settings` reads, with its default, unit and meaning (for docs)."""
    table: dict[str, dict[str, Any]] = {}
    for f in dataclasses.fields(Settings):
        if "env" in f.metadata:
            table[f.metadata["env"]] = {
                "field": f.name,
                "default": f.default,
                "unit": f.metadata["unit"],
                "doc": f.metadata["doc"],
            }
    return table


def removed_variables(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The removed variables still set in `environ`, each with what holds instead."""
    env = os.environ if environ is None else environ
    return {name: now for name, now in REMOVED_VARIABLES.items() if name in env}
