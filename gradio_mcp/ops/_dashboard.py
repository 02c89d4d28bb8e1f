"""The `/metrics` dashboard, rendered on the server: the page arrives with its figures and
charts already in it, so it reads without script, prints, and shows in a screenshot; its
small script then fetches the page again every 2 s and swaps the fresh parts in.

Charts are inline SVG drawn here from the `History` ring (the last hour): no library, no
CDN, nothing fetched. Every text that comes from outside (space ids, error messages, tool
names) is escaped on its way into the markup. Dates are ISO 8601, in UTC.
"""

from __future__ import annotations

import functools
import html
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from gradio_mcp.ops._history import History
from gradio_mcp.ops._metrics import Metrics
from gradio_mcp.ops._samples import Sample, busiest_spaces
from gradio_mcp.ops._space_status import PRIVATE_LABEL, iso

NO_VALUE = "\u2013"
PALETTE = ("#3b5bdb", "#e8590c", "#2b8a3e", "#ae3ec9", "#1098ad", "#c92a2a", "#868e96")
CACHE_FIELDS = (
    ("hits", "Hits"),
    ("misses", "Misses"),
    ("sharedHits", "Shared hits"),
    ("etagRevalidations", "ETag revalidations"),
    ("staleServed", "Stale served"),
    ("negativeHits", "Negative hits"),
    ("mergedFetches", "Merged fetches"),
    ("fetches", "Fetches"),
    ("fetchFailures", "Fetch failures"),
    ("backgroundRefreshes", "Background refreshes"),
    ("staleIfError", "Stale if error"),
    ("evictions", "Evictions"),
    ("cacheSize", "Entries"),
)
WARN_FIELDS = frozenset({"fetchFailures", "negativeHits"})


def e(value: Any) -> str:
    """Text or an attribute value, escaped."""
    return html.escape("" if value is None else str(value), quote=True)


# ---------------------------------------------------------------------- formats


def fmt_count(n: Any) -> str:
    return f"{n:,}" if isinstance(n, int) else NO_VALUE


def fmt_rate(rate: float) -> str:
    return f"{rate:g}%" if float(rate).is_integer() else f"{rate:.2f}%"


def fmt_ms(ms: Any) -> str:
    if not isinstance(ms, int | float):
        return NO_VALUE
    if ms >= 1000:
        return f"{ms / 1000:.2f} s"
    return f"{ms:.{2 if ms < 10 else 1 if ms < 100 else 0}f} ms"


def fmt_uptime(seconds: float) -> str:
    s = int(seconds)
    d, h, m, sec = s // 86400, s % 86400 // 3600, s % 3600 // 60, s % 60
    if d:
        return f"{d}d {h}h"
    if h:
        return f"{h}h {m:02d}m"
    if m:
        return f"{m}m {sec:02d}s"
    return f"{sec}s"


def fmt_text(value: Any) -> str:
    return NO_VALUE if value is None else str(value)


def grade(rate: float) -> str:
    return "good" if rate >= 80 else "ok" if rate >= 50 else "bad"


def metric(name: str, value: Any, shown: str, tag: str = "dd", css: str = "") -> str:
    """An element carrying one figure: its raw value in data-value, its text formatted."""
    data = "" if value is None else value
    cls = f' class="{css}"' if css else ""
    return f'<{tag} data-metric="{e(name)}" data-value="{e(data)}"{cls}>{e(shown)}</{tag}>'


# ---------------------------------------------------------------------- charts


@dataclass(frozen=True)
class Line:
    label: str
    points: Sequence[tuple[float, float | None]]  # (epoch, value); None breaks the line
    dashed: bool = False


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value`."""
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return value


def line_chart(
    key: str,
    title: str,
    lines: Sequence[Line],
    *,
    start: float,
    end: float,
    unit: Callable[[float], str],
    y_max: float | None = None,
) -> str:
    """A chart of `lines` over [start, end], inline SVG with an HTML legend."""
    width, height, left, right, top, bottom = 560, 170, 56, 10, 8, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for line in lines for _, v in line.points if v is not None]
    top_value = y_max if y_max is not None else _nice_max(max(values, default=0) * 1.05)
    span = max(end - start, 1e-9)

    def x(t: float) -> float:
        return round(left + (t - start) / span * plot_w, 1)

    def y(v: float) -> float:
        return round(top + plot_h - min(v, top_value) / top_value * plot_h, 1)

    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{e(title)}">']
    for fraction in (0, 0.5, 1):
        gy = y(top_value * fraction)
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{gy}" y2="{gy}"/>')
        parts.append(
            f'<text class="axis" x="{left - 6}" y="{gy + 4}" text-anchor="end">'
            f"{e(unit(top_value * fraction))}</text>"
        )
    for i in range(5):
        t = start + span * i / 4
        anchor = "start" if i == 0 else "end" if i == 4 else "middle"
        parts.append(
            f'<text class="axis" x="{x(t)}" y="{height - 6}" text-anchor="{anchor}">'
            f"{e(time.strftime('%H:%MZ', time.gmtime(t)))}</text>"
        )
    legend = []
    for index, line in enumerate(lines):
        color = PALETTE[index % len(PALETTE)]
        dash = ' stroke-dasharray="5 4"' if line.dashed else ""
        segments: list[list[tuple[float, float]]] = [[]]
        for t, v in line.points:
            if v is None:
                segments.append([])
            else:
                segments[-1].append((x(t), y(v)))
        for segment in filter(None, segments):
            if len(segment) == 1:
                ((px, py),) = segment
                parts.append(
                    f'<circle data-series="{e(line.label)}" cx="{px}" cy="{py}" r="2.5"'
                    f' fill="{color}"/>'
                )
            else:
                coords = " ".join(f"{px},{py}" for px, py in segment)
                parts.append(
                    f'<polyline data-series="{e(line.label)}" points="{coords}" fill="none"'
                    f' stroke="{color}" stroke-width="1.8"{dash}/>'
                )
        last = next((v for _, v in reversed(line.points) if v is not None), None)
        shown = unit(last) if last is not None else NO_VALUE
        legend.append(
            f'<li><span class="swatch{" dashed" if line.dashed else ""}"'
            f' style="--c:{color}"></span>{e(line.label)} <b>{e(shown)}</b></li>'
        )
    if not values:
        parts.append(
            f'<text class="nodata" x="{left + plot_w / 2}" y="{top + plot_h / 2}"'
            ' text-anchor="middle">no data in this hour yet</text>'
        )
    parts.append("</svg>")
    samples = max((len(line.points) for line in lines), default=0)
    return (
        f'<figure class="chart" data-chart="{e(key)}" data-samples="{samples}">'
        f"<figcaption>{e(title)}</figcaption>{''.join(parts)}"
        f'<ul class="legend">{"".join(legend)}</ul></figure>'
    )


def _per_minute(count: int, sample: Sample) -> float:
    return round(count * 60 / sample.seconds, 2) if sample.seconds > 0 else 0.0


def _fmt_number(v: float) -> str:
    return f"{v:g}" if v >= 10 or float(v).is_integer() else f"{v:.1f}"


# The charts change only when a sample is taken (every 10 s), while the page is fetched
# every 2 s by each viewer: they are drawn once per sample (about 20 ms for a busy hour).
_drawn: weakref.WeakKeyDictionary[History, tuple[Any, str]] = weakref.WeakKeyDictionary()


def history_charts(history: History, samples: list[Sample], whose: str, now: float) -> str:
    """The charts of the window (the last hour) of `samples`, ending at the latest one."""
    end = samples[-1].t if samples else now
    key = (len(samples), end, whose)
    drawn = _drawn.get(history)
    if drawn is None or drawn[0] != key:
        drawn = _drawn[history] = (key, _draw_charts(history, samples, whose, end))
    return drawn[1]


def _draw_charts(history: History, samples: list[Sample], whose: str, now: float) -> str:
    start = now - history.interval * (history.samples.maxlen or 1)
    chart = functools.partial(line_chart, start=start, end=now)

    def series(pick: Callable[[Sample], float | None]) -> list[tuple[float, float | None]]:
        return [(s.t, pick(s)) for s in samples]

    hit_rate = chart(
        "hit-rate",
        "Cache hit rate",
        [
            Line("both caches", series(lambda s: s.hit_rate["overall"])),
            Line("space metadata", series(lambda s: s.hit_rate["metadata"]), dashed=True),
            Line("schemas", series(lambda s: s.hit_rate["schemas"]), dashed=True),
        ],
        unit=lambda v: f"{v:g}%",
        y_max=100,
    )
    discovery = chart(
        "discovery-latency",
        "Discovery latency",
        [
            Line(f"p{q}", [(s.t, s.discovery_ms.get(f"p{q}")) for s in samples], dashed=q == 99)
            for q in (50, 90, 99)
        ],
        unit=fmt_ms,
    )
    latency = [Line(f"p{q}", [(s.t, s.call_ms.get(f"p{q}")) for s in samples]) for q in (50, 90)]
    calls_latency = chart("call-latency", "Tool-call latency", latency, unit=fmt_ms)
    busiest = busiest_spaces(samples)

    def space_label(label: str) -> str:
        return "private spaces" if label == PRIVATE_LABEL else label

    def space_lines(index: int) -> list[Line]:
        lines = [
            Line(
                space_label(label),
                [(s.t, _per_minute(s.by_space.get(label, (0, 0))[index], s)) for s in samples],
            )
            for label in busiest
        ]

        def rest(sample: Sample) -> float:
            count = sum(v[index] for k, v in sample.by_space.items() if k not in busiest)
            return _per_minute(count, sample)

        if any(rest(s) for s in samples):
            lines.append(Line("other spaces", series(rest)))
        return lines

    rejected = series(lambda s: _per_minute(s.rejected, s))
    refused = Line("refused: caller's arguments", rejected, dashed=True)
    calls = chart("calls", "Tool calls per minute, by space", space_lines(0), unit=_fmt_number)
    failures = chart(
        "failures",
        "Failed calls per minute, by space",
        [*space_lines(1), refused],
        unit=_fmt_number,
    )
    health = chart(
        "health",
        "Spaces failing, Redis errors per minute, tasks failed per minute",
        [
            Line("spaces failing", series(lambda s: s.spaces_failing)),
            Line("Redis errors", series(lambda s: _per_minute(s.redis_errors, s)), dashed=True),
            Line("tasks failed", series(lambda s: _per_minute(s.tasks_failed, s)), dashed=True),
        ],
        unit=_fmt_number,
    )
    heading = f'<p class="card span12 whose" id="charts-of">Charts of the last hour: {e(whose)}</p>'
    return (
        heading
        + "".join(
            f'<section class="card span6">{chart}</section>'
            for chart in (hit_rate, discovery, calls_latency, calls, failures, health)
        )
        + _redis_strip(samples, start, now)
    )


def _redis_strip(samples: list[Sample], start: float, end: float) -> str:
    """Redis's state over the hour, one band per sample: up, down, or not in use."""
    if not any(s.redis != "disabled" for s in samples):
        return ""
    width, span = 1000, max(end - start, 1e-9)
    bands = []
    for s in samples:
        x0 = max(0.0, (s.t - s.seconds - start) / span * width)
        x1 = max(x0 + 1, (s.t - start) / span * width)
        bands.append(
            f'<rect class="redis-{e(s.redis)}" x="{x0:.1f}" y="0" width="{x1 - x0:.1f}"'
            f' height="14"><title>{e(iso(s.t))}: {e(s.redis)}</title></rect>'
        )
    down = sum(1 for s in samples if s.redis == "down")
    return (
        '<section class="card span12"><figure class="chart" data-chart="redis-state"'
        f' data-samples="{len(samples)}"><figcaption>Redis state over the hour'
        f" ({down} of {len(samples)} samples down)</figcaption>"
        f'<svg class="strip" viewBox="0 0 {width} 14" preserveAspectRatio="none"'
        f' role="img" aria-label="Redis state">{"".join(bands)}</svg>'
        '<ul class="legend"><li><span class="swatch" style="--c:var(--good)"></span>up</li>'
        '<li><span class="swatch" style="--c:var(--bad)"></span>down</li>'
        '<li><span class="swatch" style="--c:var(--muted)"></span>unknown</li></ul>'
        "</figure></section>"
    )


# ---------------------------------------------------------------------- cards and tables


def _cache_card(key: str, title: str, figures: dict[str, Any]) -> str:
    lookups = figures["hits"] + figures["misses"]
    rate = figures["hitRate"]
    cls = grade(rate) if lookups else "none"
    stats = []
    for field, label in CACHE_FIELDS:
        if field not in figures or (key == "schemas" and field == "etagRevalidations"):
            continue  # Gradio sends no ETag for schemas
        warn = "warn" if field in WARN_FIELDS and figures[field] > 0 else ""
        stats.append(
            f'<div><dt title="{e(label)}">{e(label)}</dt>'
            f"{metric(f'{key}.{field}', figures[field], fmt_count(figures[field]), css=warn)}</div>"
        )
    return (
        f'<section class="card span4" id="cache-{key}"><h2>{e(title)}</h2>'
        + _rate_block(f"{key}.hitRate", rate, lookups, cls, "hit rate")
        + f'<dl class="stats">{"".join(stats)}</dl></section>'
    )


def _rate_block(name: str, rate: float, lookups: int, cls: str, what: str) -> str:
    shown = fmt_rate(rate) if lookups else NO_VALUE
    note = f"of {lookups:,} lookups" if lookups else "no lookups yet"
    width = rate if lookups else 0
    return (
        f'<div class="rate">{metric(name, rate, shown, tag="span", css=f"big {cls}")}'
        f'<small>{e(what)}<br><span data-lookups="{e(name)}">{e(note)}</span></small></div>'
        f'<div class="bar"><div data-bar="{e(name)}" class="{cls}"'
        f' style="width:{width:.2f}%"></div></div>'
    )


def _card(css: str, title: str, meta: str, body: str, section_id: str = "") -> str:
    """A card: its heading with figures beside it (`meta`, markup), then its body."""
    ident = f' id="{section_id}"' if section_id else ""
    return (
        f'<section class="card {css}"{ident}><div class="head"><h2>{e(title)}</h2>'
        f'<div class="meta">{meta}</div></div>{body}</section>'
    )


def _stat(label: str, name: str, value: Any, shown: str | None = None, css: str = "") -> str:
    """A figure with its label; `shown` defaults to the value as a count."""
    shown = fmt_count(value) if shown is None else shown
    return f"<div><dt>{e(label)}</dt>{metric(name, value, shown, css=css)}</div>"


def _table(
    table_id: str,
    headers: Sequence[str],
    rows: Iterable[str],
    empty: str,
) -> str:
    body = "".join(rows) or (f'<tr class="empty"><td colspan="{len(headers)}">{e(empty)}</td></tr>')
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _cell(field: str, value: Any, shown: str, fail: bool = False) -> str:
    return metric(field, value, shown, tag="td", css="fail" if fail else "")


def _space_name(space: str, private_text: str) -> str:
    return f"<em>{e(private_text)}</em>" if space == PRIVATE_LABEL else e(space)


def _time(value: str | None) -> str:
    return "never" if value is None else value


def render_main(
    m: dict[str, Any], history: History, charted: tuple[list[Sample], str], now: float
) -> str:
    """The cards: figures, charts, tables. `m` is `Metrics.snapshot()`."""
    c, d = m["gradioCacheMetrics"], m["discovery"]
    lookups = c["totalHits"] + c["totalMisses"]
    overall = (
        '<section class="card span4" id="cache-overall"><h2>Both caches</h2>'
        + _rate_block(
            "overallHitRate",
            c["overallHitRate"],
            lookups,
            grade(c["overallHitRate"]) if lookups else "none",
            "overall hit rate",
        )
        + '<dl class="stats">'
        + _stat("Total hits", "totalHits", c["totalHits"])
        + _stat("Total misses", "totalMisses", c["totalMisses"])
        + '</dl><h2 style="margin-top:18px">Discovery</h2><dl class="stats">'
        + _stat("Discoveries", "discovery.count", d["count"])
        + "".join(
            _stat(label, f"discovery.{k}", d[k], fmt_ms(d[k]))
            for label, k in (("p50", "p50Ms"), ("p90", "p90Ms"), ("p99", "p99Ms"), ("Max", "maxMs"))
        )
        + _stat("Prefetches used", "discovery.prefetchesUsed", d["prefetchesUsed"])
        + _stat("Prefetches discarded", "discovery.prefetchesDiscarded", d["prefetchesDiscarded"])
        + "</dl></section>"
    )
    shared = m["sharedCache"]
    redis_state = shared["redisState"]
    redis_warn = "warn" if redis_state == "down" else ""
    shared_card = _card(
        "span12",
        "Shared cache (Redis)",
        "Redis " + metric("sharedCache.redisState", redis_state, redis_state, "b", redis_warn),
        '<dl class="stats">'
        + "".join(
            _stat(
                label,
                f"sharedCache.{k}",
                shared[k],
                css="warn" if k == "redisErrors" and shared[k] > 0 else "",
            )
            for label, k in (
                ("Local hits", "localHits"),
                ("Shared hits", "sharedHits"),
                ("Shared misses", "sharedMisses"),
                ("Redis errors", "redisErrors"),
                ("Redis outages", "redisOutages"),
            )
        )
        + _stat("Process", "pid", m["pid"], str(m["pid"]))
        + "</dl>",
        "shared-cache",
    )

    status_rows = []
    for space, item in (m.get("spaces") or {}).items():
        name = _space_name(space, f"private spaces ({item.get('spaces')}, combined)")
        status_rows.append(
            f'<tr data-key="{e(space)}" data-space="{e(space)}"><td>{name}</td>'
            + _cell("status", item["status"], item["status"], item["status"] == "failing")
            + _cell("errorKind", item["errorKind"], fmt_text(item["errorKind"]))
            + _cell("errorMessage", item["errorMessage"], fmt_text(item["errorMessage"]))
            + _cell("since", item["since"], _time(item["since"]))
            + _cell("lastSuccess", item["lastSuccess"], _time(item["lastSuccess"]))
            + "</tr>"
        )
    failing = m["spacesFailing"]
    spaces_card = _card(
        "span12",
        "Spaces",
        metric("spacesFailing", failing, fmt_count(failing), "b", "warn" if failing else "")
        + " failing",
        _table(
            "spaces",
            ("Space", "Status", "Error", "Message", "Since (UTC)", "Last success (UTC)"),
            status_rows,
            "No space discovered yet",
        ),
        "space-status",
    )

    calls = m["toolCalls"]
    call_rows = []
    for space, item in calls["bySpace"].items():
        tools = ", ".join(f"{t} \u00d7{n}" for t, n in (item.get("tools") or {}).items())
        tools_html = f'<span class="tools">{e(tools)}</span>' if tools else ""
        call_rows.append(
            f'<tr data-key="{e(space)}" data-space="{e(space)}"><td>'
            f"{_space_name(space, 'private spaces (combined)')}{tools_html}</td>"
            + _cell("calls", item["calls"], fmt_count(item["calls"]))
            + _cell("failures", item["failures"], fmt_count(item["failures"]), item["failures"] > 0)
            + _cell("rejected", item["rejected"], fmt_count(item["rejected"]))
            + _cell("p50Ms", item["p50Ms"], fmt_ms(item["p50Ms"]))
            + _cell("p90Ms", item["p90Ms"], fmt_ms(item["p90Ms"]))
            + "</tr>"
        )
    calls_card = _card(
        "span6",
        "Tool calls by space",
        " \u00b7 ".join(
            metric(f"toolCalls.{k}", calls[k], fmt_count(calls[k]), "b") + f" {word}"
            for k, word in (("total", "calls"), ("failures", "failed"), ("rejected", "refused"))
        ),
        _table(
            "tool-calls",
            ("Space", "Calls", "Failures", "Refused", "p50", "p90"),
            call_rows,
            "No tool calls yet",
        ),
    )

    requests = m["requests"]
    request_rows = [
        f'<tr data-key="{e(method)}" data-method="{e(method)}"><td>{e(method)}</td>'
        + _cell("count", item["count"], fmt_count(item["count"]))
        + _cell("errors", item["errors"], fmt_count(item["errors"]), item["errors"] > 0)
        + _cell("p50Ms", item["p50Ms"], fmt_ms(item["p50Ms"]))
        + "</tr>"
        for method, item in requests["byMethod"].items()
    ]
    requests_card = _card(
        "span6",
        "Requests by MCP method",
        " \u00b7 ".join(
            metric(f"requests.{k}", requests[k], fmt_count(requests[k]), "b") + f" {word}"
            for k, word in (("total", "requests"), ("errors", "errors"))
        ),
        _table("requests", ("Method", "Count", "Errors", "p50"), request_rows, "No requests yet"),
    )
    return (
        _cache_card("spaceMetadata", "Space metadata cache", c["spaceMetadata"])
        + _cache_card("schemas", "Schema cache", c["schemas"])
        + overall
        + history_charts(history, charted[0], charted[1], now)
        + spaces_card
        + calls_card
        + requests_card
        + shared_card
    )


@cache
def _shell() -> str:
    return resources.files("gradio_mcp.ops").joinpath("dashboard.html").read_text("utf-8")


def render_dashboard(metrics: Metrics, charted: tuple[list[Sample], str] | None = None) -> str:
    """The whole page, with the figures of this moment and the last hour's charts: of
    `charted` (samples, whose), by default this process's own."""
    metrics.history.sample_if_due()
    if charted is None:
        charted = (list(metrics.history.samples), "this process")
    snapshot = metrics.snapshot()
    now = metrics.history.now()
    uptime = snapshot["uptimeSeconds"]
    meta = (
        f'<div class="meta" id="live-meta">version <b data-metric="version">'
        f"{e(snapshot['version'])}</b> \u00b7 up "
        + metric("uptimeSeconds", uptime, fmt_uptime(uptime), tag="b")
        + f" \u00b7 samples every {metrics.history.interval:g} s</div>"
    )
    updated = f'<time id="updated" datetime="{iso(now)}">{iso(now)}</time>'
    main = f'<main id="live-main">{render_main(snapshot, metrics.history, charted, now)}</main>'
    return (
        _shell()
        .replace("<!--META-->", meta)
        .replace("<!--UPDATED-->", updated)
        .replace("<!--MAIN-->", main)
    )
