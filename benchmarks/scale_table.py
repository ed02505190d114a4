"""The markdown table of benchmarks/scale.py: one row per page, download or command, one column
per scale, and the last column the figure at the largest scale against issue 17's target."""

from __future__ import annotations

PAGE_P95_MS = 300          # every page at 100×
LIST_GROWTH = 2.0          # a list's first page at 100× within 2× its 1× time
EXPORT_RSS_MB = 100        # worker RSS growth of a streamed export
FIRST_BYTE_S = 1.0         # an export's first bytes
VERIFY_P99_MS = 50         # /verify while staff work runs
COMMAND_SECONDS = {"`scores verify`": 30}   # the others: two minutes
COMMAND_DEFAULT_SECONDS = 120
COMMAND_RSS_MB = 300


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _size(size: int) -> str:
    return f"{size / 1e6:,.1f} MB" if size >= 1e6 else f"{size / 1e3:,.0f} KB"


def cell(row: dict) -> str:
    if "failed" in row:
        return f"failed: {row['failed'][:60]}"
    return (f"{row['note']}: " if row.get("note") else "") + _figures(row)


def _figures(row: dict) -> str:
    kind = row["kind"]
    if kind in ("list", "page"):
        sql = f", {row['sql']} SQL" if row.get("sql") is not None else ""
        cpu = f", CPU {_ms(row['cpu'])}" if "cpu" in row else ""
        first = (f"; the first, on an empty cache, {_ms(row['first'])}, then kept ready"
                 if "first" in row else "")
        return f"{_ms(row['p50'])} / {_ms(row['p95'])}, {_size(row['bytes'])}{sql}{cpu}{first}"
    if kind == "export":
        return (f"first byte {_ms(row['ttfb'])}, all {_ms(row['p50'])}, "
                f"{_size(row['bytes'])}, worker {row['rss_growth_mb']:+,.0f} MB")
    if kind == "job":
        return (f"offer {_ms(row['offer'])}, job page {_ms(row['page'])}, file ready "
                f"{_ms(row['ready'])}, {_size(row['bytes'])}, job worker "
                f"{row['rss_growth_mb']:+,.0f} MB, web worker {row['web_rss_growth_mb']:+,.0f} MB")
    if kind == "load":
        in_app = (f"; in the app p50 {_ms(row['app_p50'])}, p99 {_ms(row['app_p99'])}, max "
                  f"{_ms(row['app_max'])}" if "app_p99" in row else "")
        if "db_p99" in row:
            in_app += (f"; of it in SQL p50 {_ms(row['db_p50'])}, p99 {_ms(row['db_p99'])}, "
                       f"the slowest's {_ms(row['db_of_slowest'])}")
        return (f"p50 {_ms(row['p50'])}, p99 {_ms(row['p99'])} (max {_ms(row['max'])}, "
                f"{row['requests']} requests, {row['staff_rounds']} staff downloads done"
                f"{in_app})")
    detail = f", {row['detail']}" if row.get("detail") else ""
    return (f"{row['seconds']:,.1f} s, peak {row['peak_mb']:,.0f} MB "
            f"({row['growth_mb']:+,.0f} MB){detail}")


def verdict(name: str, rows: dict[int, dict]) -> str:
    """The largest scale's figure against its target: "met" or "MISSED", with the figure."""
    largest = max(rows)
    row = rows[largest]
    if "failed" in row:
        return f"MISSED at {largest}× (failed)"
    kind = row["kind"]
    checks: list[tuple[bool, str]] = []
    if kind in ("list", "page"):
        checks.append((row["p95"] * 1000 < PAGE_P95_MS,
                       f"p95 {_ms(row['p95'])} (< {PAGE_P95_MS} ms)"))
        if kind == "list" and 1 in rows and largest != 1 and "failed" not in rows[1]:
            ratio = row["p50"] / rows[1]["p50"]
            checks.append((ratio <= LIST_GROWTH, f"{ratio:.1f}× the 1× time (≤ 2×)"))
    elif kind == "export":
        checks.append((row["rss_growth_mb"] < EXPORT_RSS_MB,
                       f"worker {row['rss_growth_mb']:+,.0f} MB (< {EXPORT_RSS_MB})"))
        checks.append((row["ttfb"] < FIRST_BYTE_S, f"first byte {_ms(row['ttfb'])} (< 1 s)"))
    elif kind == "job":  # the person's first bytes are the job's page; the file comes after
        checks.append((row["rss_growth_mb"] < EXPORT_RSS_MB,
                       f"job worker {row['rss_growth_mb']:+,.0f} MB (< {EXPORT_RSS_MB})"))
        checks.append((row["page"] < FIRST_BYTE_S, f"job page {_ms(row['page'])} (< 1 s)"))
    elif kind == "load":
        checks.append((row["p99"] * 1000 < VERIFY_P99_MS,
                       f"p99 {_ms(row['p99'])} (< {VERIFY_P99_MS} ms)"))
    else:
        limit = COMMAND_SECONDS.get(name, COMMAND_DEFAULT_SECONDS)
        checks.append((row["seconds"] < limit, f"{row['seconds']:,.0f} s (< {limit} s)"))
        if name != "`scores verify`":
            checks.append((row["peak_mb"] < COMMAND_RSS_MB,
                           f"peak {row['peak_mb']:,.0f} MB (< {COMMAND_RSS_MB})"))
    met = all(ok for ok, _ in checks)
    return f"{'met' if met else 'MISSED'} at {largest}×: " + "; ".join(
        ("" if ok else "✗ ") + text for ok, text in checks)


def render(measured: dict[int, dict]) -> str:
    """``measured``: scale -> the figures scale.py saved for it."""
    if not measured:
        return "(nothing measured yet)"
    scales = sorted(measured)
    names: list[str] = []
    for scale in sorted(scales, reverse=True):
        names += [name for name in measured[scale]["rows"] if name not in names]
    lines = [
        "| page / command | " + " | ".join(f"{s}×" for s in scales) + " | target |",
        "|---|" + "---|" * len(scales) + "---|",
    ]
    for name in names:
        rows = {s: measured[s]["rows"][name] for s in scales if name in measured[s]["rows"]}
        cells = [cell(rows[s]) if s in rows else "—" for s in scales]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {verdict(name, rows)} |")
    peaks = [measured[s].get("workers_peak_mb") or {} for s in scales]
    lines.append("| workers' peak RSS | " + " | ".join(
        ", ".join(f"{pool} {mb:,.0f} MB" for pool, mb in peak.items()) or "—"
        for peak in peaks) + " | |")
    notes = [f"{s}×: measured {measured[s]['measured']}, load average "
             f"{measured[s]['load'][0]:.1f}" + (
                 f", the machine's reference loop {measured[s]['machine_reference']:.2f} s"
                 if "machine_reference" in measured[s] else "") + (
                 f", `certificates remember-proofs` before the load runs "
                 f"{measured[s]['remember_proofs_seconds']:.0f} s"
                 if "remember_proofs_seconds" in measured[s] else "") for s in scales]
    return "\n".join(lines) + "\n\n" + "; ".join(notes) + \
        (". Pages: p50 / p95 of 5 requests (3 over 10 s), size, SQL statements, the workers' CPU "
         "time per request. The reference loop (ten million additions in Python, best of 3) "
         "says how fast the machine was: figures taken on a machine with a slower loop are slower "
         "for that reason too.")
