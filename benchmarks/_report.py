"""The run's tables (printed, and written to docs/benchmarks.md) and its plot (a PNG)."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from benchmarks._world import ROOT
from gradio_mcp.config import Settings

DOC = ROOT / "docs" / "benchmarks.md"
PLOT = ROOT / "docs" / "benchmarks.png"
START = "<!-- benchmark-results: written by benchmarks/run.py -->"
END = "<!-- /benchmark-results -->"


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, -(-95 * len(ordered) // 100) - 1))
    return ordered[index]


def _time(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.1f} ms"


def _kib(values: list[float]) -> str:
    return f"{_median(values):.1f} KiB" if values else "—"


def _mib(values: list[float]) -> str:
    return f"{max(values):.0f} MiB" if values else "—"


def _ratio(a: float | None, b: float | None) -> str:
    return "—" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def render(results: Any, machine: str, command: str) -> str:
    out: list[str] = []
    out.append(f"Command: `{command}` ({results.seconds / 60:.1f} min). Machine: {machine}.")
    out.append("")
    out.append("### Latency scenarios")
    out.append("")
    out.append(
        "| scenario | runs | median | p95 | lower bound | x bound | bare SDK server |"
        " x bare | naive (before) | naive ÷ ours | |"
    )
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in results.rows:
        med = _median(row.ours)
        bare = _median(row.bare) if row.bare else None
        out.append(
            f"| {row.scenario} | {len(row.ours)} | {_time(med)} | {_time(_p95(row.ours))} |"
            f" {_time(row.bound)} | {_ratio(med, row.bound)} | {_time(bare)} |"
            f" {_ratio(med, bare)} | {_time(row.naive)} | {_ratio(row.naive, med)} | {row.note} |"
        )
    out.append("")
    out.append("### From 10 to 10,000 spaces (Hub 50 ms, schema 100 ms, Hub window 10)")
    out.append("")
    out.append(
        "| spaces | cold median | cold p95 | lower bound | x bound | server CPU per space"
        " (cold) | warm complete listing (pages) | bare SDK server | x bare | resident per"
        " space | RSS after | naive (before) |"
    )
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for s in results.scale:
        cold = _median(s["cold"])
        warm, bare = _median(s["warm"]), _median(s["bare"])
        out.append(
            f"| {s['n']:,} | {_time(cold)} | {_time(_p95(s['cold']))} | {_time(s['bound'])} |"
            f" {_ratio(cold, s['bound'])} | {_median(s['cpu_ms_per_space']):.2f} ms |"
            f" {_time(warm)} ({s['pages']}) | {_time(bare)} |"
            f" {_ratio(warm, bare)} | {_kib(s['kb_per_space'])} | {_mib(s['rss_mb'])} |"
            f" {_time(s['naive'])} |"
        )
    out.append("")
    if getattr(results, "reference", None):
        out += _reference(results.reference)
    if results.throughput:
        labels = [k for k in results.throughput[0] if k != "clients"]
        out.append("### Warm tools/list throughput (S24, one page of 72 tools), answers per second")
        out.append("")
        out.append("| clients | " + " | ".join(labels) + " |")
        out.append("|---|" + "---|" * len(labels))
        for row in results.throughput:
            out.append(
                f"| {row['clients']} | " + " | ".join(f"{row[k]:.0f}" for k in labels) + " |"
            )
        out.append("")
    if results.calls:
        out.append("### tools/call on a trivial real Gradio endpoint")
        out.append("")
        out.append("| path | calls | median | p95 |")
        out.append("|---|---|---|---|")
        for label, samples in results.calls.items():
            out.append(
                f"| {label} | {len(samples)} | {_time(_median(samples))} | {_time(_p95(samples))} |"
            )
        ours = _median(results.calls["gradio-mcp tools/call"])
        direct = _median(results.calls["direct Gradio HTTP call"])
        out.append("")
        out.append(f"Overhead of gradio-mcp over the direct call: {_time(ours - direct)} (median).")
        out.append("")
    if results.big:
        b = results.big
        out.append("### One space with 10,000 endpoints")
        out.append("")
        out.append(
            f"Parsing its `/gradio_api/info`: {_time(b['parse'])}. Cold tools/list (first page):"
            f" {_time(b['first_page'])}; longest event-loop stall meanwhile: {_time(b['stall'])}."
            f" A complete listing after it ({-(-10_000 // Settings().page_size)} pages):"
            f" {_time(b['complete'])}."
        )
        out.append("")
    if results.soak:
        out += _soak(results.soak)
    return "\n".join(out)


def _reference(reference: dict[str, Any]) -> list[str]:
    """gradio_mcp beside Hugging Face's server; ratios > 1 mean gradio_mcp is better."""
    if "unavailable" in reference:
        return [f"Hugging Face's server was not measured: {reference['unavailable']}", ""]
    version, runs = reference["version"], reference["runs"]
    out = [
        f"### Beside Hugging Face's server ({version}), same world, medians of {runs}"
        " alternating runs",
        "",
        f"| scenario | reference {version} | gradio_mcp | ratio (> 1: gradio_mcp better) |",
        "|---|---|---|---|",
    ]
    for row in reference["rows"]:
        ref, ours, n = row["reference"], row["gradio_mcp"], row["n"]
        where = f"{n:,} spaces (Hub {row['hub'] * 1000:g} ms, schema {row['schema'] * 1000:g} ms)"
        figures = [
            ("cold listing", "cold", _time),
            ("warm complete listing", "warm", _time),
            ("server CPU per space, cold", "cpu_ms_per_space", lambda v: f"{v:.2f} ms"),
            ("resident memory after the cold listing", "rss_mib", lambda v: f"{v:.0f} MiB"),
            ("resident memory per cached space", "kib_per_space", lambda v: f"{v:.1f} KiB"),
        ]
        for label, key, show in figures:
            a, b = _median(ref[key]), _median(ours[key])
            out.append(f"| {where}: {label} | {show(a)} | {show(b)} | {_ratio(a, b)} |")
        out.append(
            f"| {where}: cold listings complete ({3 * n} tools) | {ref['complete']} of {runs}"
            f" | {ours['complete']} of {runs} | |"
        )
    out += _added_space_memory(reference["rows"])
    out.append("")
    return out


def _added_space_memory(rows: list[dict[str, Any]]) -> list[str]:
    """Resident memory per space added, between two sizes of the same latencies: each size on
    fresh servers, so what any first listing costs once (sessions, imports, the SDK's
    validators) cancels out, where the per-cached-space figure spreads it over the spaces."""
    out = []
    by_size = {(row["hub"], row["schema"], row["n"]): row for row in rows}
    for (hub, schema, n), small in by_size.items():
        big = by_size.get((hub, schema, n * 10))
        if big is None:
            continue
        where = f"{n:,} -> {n * 10:,} spaces (Hub {hub * 1000:g} ms, schema {schema * 1000:g} ms)"
        a, b = (
            (_median(big[side]["rss_mib"]) - _median(small[side]["rss_mib"])) * 1024 / (9 * n)
            for side in ("reference", "gradio_mcp")
        )
        out.append(
            f"| {where}: resident memory per added space | {a:.1f} KiB | {b:.1f} KiB |"
            f" {_ratio(a, b)} |"
        )
    return out


def _soak(soak: dict[str, Any]) -> list[str]:
    out = [
        f"### Soak: {soak['clients']} clients for {soak['seconds']:g} s",
        "",
        "| request | count | errors | p50 | p99 |",
        "|---|---|---|---|---|",
    ]
    for kind, figures in soak["requests"].items():
        p50, p99 = figures["p50Ms"], figures["p99Ms"]
        out.append(
            f"| {kind} | {figures['count']} | {figures['errors']} |"
            f" {_time(None if p50 is None else p50 / 1000)} |"
            f" {_time(None if p99 is None else p99 / 1000)} |"
        )
    out += [
        "",
        f"{soak['requestsPerSecond']:g} requests/s; server RSS {soak['rssMiB']['before']:g} →"
        f" {soak['rssMiB']['after']:g} MiB, open descriptors {soak['openFds']['before']:g} →"
        f" {soak['openFds']['after']:g}; failures: {soak.get('failures') or 'none'}.",
        "",
    ]
    return out


def write(results: Any, text: str) -> None:
    plot(results)
    doc = DOC.read_text()
    head, _, rest = doc.partition(START)
    _, _, tail = rest.partition(END)
    DOC.write_text(
        f"{head}{START}\n{text}\n![time and memory against spaces](benchmarks.png)\n{END}{tail}"
    )


def plot(results: Any) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [s["n"] for s in results.scale]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.plot(sizes, [_median(s["cold"]) for s in results.scale], "o-", label="cold listing")
    left.plot(sizes, [s["bound"] for s in results.scale], "k--", label="lower bound (cold)")
    left.plot(
        sizes, [_median(s["warm"]) for s in results.scale], "s-", label="warm complete listing"
    )
    left.plot(
        sizes,
        [_median(s["bare"]) for s in results.scale],
        "s:",
        label="bare SDK server, same pages",
    )
    left.plot(
        sizes, [s["naive"] for s in results.scale], "x:", label="naive (sequential, no cache)"
    )
    reference = [
        r for r in (getattr(results, "reference", None) or {}).get("rows", []) if r["hub"] == 0.05
    ]  # the reference's runs with the scale sweep's latencies
    if reference:
        version = results.reference["version"]
        left.plot(
            [r["n"] for r in reference],
            [_median(r["reference"]["cold"]) for r in reference],
            "^-",
            label=f"Hugging Face's server {version}, cold",
        )
        left.plot(
            [r["n"] for r in reference],
            [_median(r["reference"]["warm"]) for r in reference],
            "v:",
            label=f"Hugging Face's server {version}, warm",
        )
    left.set(xscale="log", yscale="log", xlabel="spaces", ylabel="seconds", title="Time")
    left.legend(fontsize=8)
    measured = [s for s in results.scale if s["rss_mb"]]
    sizes = [s["n"] for s in measured]
    right.plot(sizes, [max(s["rss_mb"]) for s in measured], "o-", label="server RSS (MiB)")
    right.plot(
        sizes,
        [_median(s["kb_per_space"]) for s in measured],
        "s-",
        label="KiB per cached space",
    )
    if reference:
        right.plot(
            [r["n"] for r in reference],
            [_median(r["reference"]["rss_mib"]) for r in reference],
            "^-",
            label="Hugging Face's server RSS (MiB)",
        )
    right.axhline(12, color="k", linestyle="--", label="target: 12 KiB per space")
    right.set(xscale="log", yscale="log", xlabel="spaces", title="Memory")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(Path(PLOT), dpi=110)
