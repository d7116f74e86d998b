"""`make bench`: measure what the issues set targets for and write BENCHMARKS.md.

Each benchmark is a function returning rows (what, figure, target); more are added as the rooms
they measure are built. Figures are from this machine; BENCHMARKS.md names it.
"""

import csv
import json
import os
import platform
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"


def _concord(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("concord")), *args]


def link_command(records: int = 20_000) -> list[tuple[str, str, str]]:
    """`concord link` as an outside tool runs it, on the noisy generated set, scored pairwise."""
    from bench.linkage import pairwise_scores
    from bench.people_generator import DEFAULT_SEED, generate_records, write_csv

    OUT.mkdir(parents=True, exist_ok=True)
    data = generate_records(records, seed=DEFAULT_SEED)
    source, result = OUT / "people.csv", OUT / "people-linked.csv"
    write_csv(source, data)
    started = time.perf_counter()
    subprocess.run(_concord("link", str(source), "--output", str(result)), check=True)
    seconds = time.perf_counter() - started
    with result.open(encoding="utf-8") as f:
        by_record = {row["record_id"]: row["person_id"] for row in csv.DictReader(f)}
    scores = pairwise_scores([by_record[r.record_id] for r in data], [r.person_id for r in data])
    return [
        (f"`concord link`, {records:,} records: pairwise F1", f"{scores['f1']:.4f}", "≥ 0.95"),
        (
            "`concord link`: precision / recall",
            f"{scores['precision']:.4f} / {scores['recall']:.4f}",
            "",
        ),
        ("`concord link`: seconds (whole command)", f"{seconds:.1f}", ""),
    ]


def linkage_side_by_side(records: int = 20_000) -> list[tuple[str, str, str]]:
    """Concord's comparisons against a plain Splink configuration on the same records."""
    from bench import linkage
    from bench.people_generator import DEFAULT_SEED
    from concord.people.linkage.model import DEFAULT_THRESHOLD

    figures = linkage.run(records, DEFAULT_SEED, DEFAULT_THRESHOLD, train=False)
    (OUT / "linkage.json").write_text(
        json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    c, p = figures["concord"], figures["plain_splink"]
    return [
        (
            f"linkage F1, {records:,} records: Concord vs plain Splink",
            f"{c['f1']:.4f} vs {p['f1']:.4f}",
            "≥ 0.95",
        ),
        (
            "linkage precision: Concord vs plain Splink",
            f"{c['precision']:.4f} vs {p['precision']:.4f}",
            "",
        ),
        ("linkage recall: Concord vs plain Splink", f"{c['recall']:.4f} vs {p['recall']:.4f}", ""),
        (
            "linkage seconds: Concord vs plain Splink",
            f"{c['seconds']:.1f} vs {p['seconds']:.1f}",
            "",
        ),
    ]


def scan_calls() -> list[tuple[str, str, str]]:
    """`concord scan-calls` at 100,000 and 1,000,000 generated calls: speed and flat memory."""
    from bench import scan

    small, large = scan.rows(100_000), scan.rows(1_000_000)
    rss = [float(row[1]) for row in (*small, *large) if "peak RSS" in row[0]]
    ratio = (
        "`concord scan-calls`: peak RSS 1,000,000 / 100,000 calls",
        f"{rss[1] / rss[0]:.2f}",
        "< 2",
    )
    return [*small, *large, ratio]


def export_ledger() -> list[tuple[str, str, str]]:
    """`concord export-ledger` of 100,000 generated disputes: flat memory (< 300 MB) and speed."""
    from bench import ledger_export

    return ledger_export.rows(100_000)


def classify() -> list[tuple[str, str, str]]:
    """`concord classify` of 20,000 generated texts piped in as JSON lines: texts per second."""
    from bench import classify as bench_classify

    return bench_classify.rows(20_000)


def dashboard() -> list[tuple[str, str, str]]:
    """The dashboard's reads at a county of 1,000,000 disputes on SQLite (target ≤ 300 ms)."""
    from bench import dashboard as bench_dashboard

    return bench_dashboard.rows(1_000_000)


BENCHMARKS = [link_command, linkage_side_by_side, scan_calls, export_ledger, classify, dashboard]


def _table_rows(path: Path) -> list[tuple[str, str, str]]:
    """The rows of BENCHMARKS.md's table as it stands (none when there is no file)."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("| ") and not line.startswith(("| what ", "|---")):
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            if len(cells) == 3:
                rows.append((cells[0], cells[1], cells[2]))
    return rows


def main(argv: list[str] | None = None) -> None:
    """Run every benchmark, or those named (`python -m bench classify dashboard`): then the other
    benchmarks' rows are kept from BENCHMARKS.md as they are, and the named ones' replaced."""
    import argparse

    names = {bench.__name__: bench for bench in BENCHMARKS}
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "only",
        nargs="*",
        choices=[[], *names],
        metavar="BENCHMARK",
        help=f"run only these: {', '.join(names)} (default: all)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
    chosen = [names[n] for n in args.only] or BENCHMARKS
    new: dict[str, list[tuple[str, str, str]]] = {}
    for bench in chosen:
        print(f"… {bench.__name__}", flush=True)
        started = time.perf_counter()
        new[bench.__name__] = bench()
        print(f"  {time.perf_counter() - started:.0f} s", flush=True)
    if args.only:
        fresh = {what for group in new.values() for what, _, _ in group}
        kept = [r for r in _table_rows(ROOT / "BENCHMARKS.md") if r[0] not in fresh]
        # A re-run benchmark's earlier rows may carry other sizes in their names: drop rows that
        # share the new rows' leading words (up to the first comma) too.
        stems = {what.split(",")[0] for what in fresh}
        kept = [r for r in kept if r[0].split(",")[0] not in stems]
        rows = kept + [r for group in new.values() for r in group]
    else:
        rows = [r for bench in BENCHMARKS for r in new[bench.__name__]]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    versions = ", ".join(f"{p} {version(p)}" for p in ("django", "splink", "duckdb"))
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {time.strftime('%Y-%m-%d')}.",
        "",
        f"Machine: {machine}. Versions: {versions}.",
        "",
        "| what | figure | target |",
        "|---|---|---|",
    ]
    lines += [f"| {what} | {figure} | {target} |" for what, figure, target in rows]
    text = "\n".join(lines) + "\n"
    (ROOT / "BENCHMARKS.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
