"""`make bench` and `make bench-full`: measure what the issues set targets for, write BENCHMARKS.md.

Two scales, each with its own section of BENCHMARKS.md (writing one keeps the other as it was):

- county (`make bench`, under 10 minutes on a 2-core machine): a county's year and more — 1,000,000
  police calls, 1,000,000 persons for online matching, 1,000,000 disputes on PostgreSQL under 20
  clients, 100,000 ledger rows, 20,000 linkage records; the quicker measurements repeated and
  their medians reported;
- province (`make bench-full`, an hour or more): ten counties' worth — 10,000,000 calls,
  10,000,000 persons and disputes, 1,000,000 ledger rows, 200,000 linkage records — plus the
  dashboard on SQLite.

Each benchmark is a function of the scale returning rows (what, figure, target). The data come
from deterministic generators (one seed each): bench.calls_generator (police calls in the corpus's
styles, its own vocabulary), bench.people_generator (persons with linkage noise) and
bench.county_generator (a county's or a province's territory, disputes with timelines, tasks and
visits). Figures are from this machine; BENCHMARKS.md names it.
"""

import csv
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"


@dataclass(frozen=True)
class Scale:
    name: str
    title: str
    command: str
    linkage_records: int
    calls: tuple[int, int]  # the smaller size is repeated, the larger run once
    persons: int
    disputes: int
    ledger_rows: int
    texts: int
    repeats: int


SCALES = {
    "county": Scale(
        "county",
        "County",
        "make bench",
        20_000,
        (100_000, 1_000_000),
        1_000_000,
        1_000_000,
        100_000,
        20_000,
        2,  # keeps the run under 10 minutes on 2 cores
    ),
    "province": Scale(
        "province",
        "Province",
        "make bench-full",
        200_000,
        (1_000_000, 10_000_000),
        10_000_000,
        10_000_000,
        1_000_000,
        200_000,
        3,
    ),
}


def _concord(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("concord")), *args]


def link_command(scale: Scale) -> list[tuple[str, str, str]]:
    """`concord link` as an outside tool runs it, on the noisy generated set, scored pairwise
    (F1 is deterministic; the seconds are the median of `repeats` runs)."""
    from bench.linkage import pairwise_scores
    from bench.people_generator import DEFAULT_SEED, generate_records, write_csv

    records = scale.linkage_records
    OUT.mkdir(parents=True, exist_ok=True)
    data = generate_records(records, seed=DEFAULT_SEED)
    source, result = OUT / "people.csv", OUT / "people-linked.csv"
    write_csv(source, data)
    seconds = []
    for _ in range(scale.repeats):
        started = time.perf_counter()
        subprocess.run(_concord("link", str(source), "--output", str(result)), check=True)
        seconds.append(time.perf_counter() - started)
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
        (
            f"`concord link`: seconds (whole command, median of {scale.repeats})",
            f"{statistics.median(seconds):.1f}",
            "",
        ),
    ]


def linkage_side_by_side(scale: Scale) -> list[tuple[str, str, str]]:
    """Concord's comparisons against a plain Splink configuration on the same records."""
    from bench import linkage
    from bench.people_generator import DEFAULT_SEED
    from concord.people.linkage.model import DEFAULT_THRESHOLD

    records = scale.linkage_records
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


def online_match(scale: Scale) -> list[tuple[str, str, str]]:
    """A registered party matched against the persons already known (target p95 ≤ 50 ms)."""
    from bench import online_match as bench_online_match

    return bench_online_match.rows(scale.persons)


def scan_calls(scale: Scale) -> list[tuple[str, str, str]]:
    """`concord scan-calls` at two sizes: speed and flat memory (the smaller size repeated)."""
    from bench import scan

    smaller, larger = scale.calls
    small, large = scan.rows(smaller, repeats=scale.repeats), scan.rows(larger)
    rss = [float(row[1]) for row in (*small, *large) if "peak RSS" in row[0]]
    ratio = (
        f"`concord scan-calls`: peak RSS {larger:,} / {smaller:,} calls",
        f"{rss[1] / rss[0]:.2f}",
        "< 2",
    )
    return [*small, *large, ratio]


def export_ledger(scale: Scale) -> list[tuple[str, str, str]]:
    """`concord export-ledger`: seconds (≤ 15 s at 100,000 rows) and memory (≤ 300 MB)."""
    from bench import ledger_export

    return ledger_export.rows(scale.ledger_rows, repeats=scale.repeats)


def classify(scale: Scale) -> list[tuple[str, str, str]]:
    """`concord classify` of generated texts piped in as JSON lines: texts per second."""
    from bench import classify as bench_classify

    return bench_classify.rows(scale.texts)


def web(scale: Scale) -> list[tuple[str, str, str]]:
    """The list, case page, dashboard and API create on PostgreSQL under 20 clients."""
    from bench import web as bench_web

    return bench_web.rows(scale.disputes)


def dashboard(scale: Scale) -> list[tuple[str, str, str]]:
    """The dashboard's reads on SQLite (the embedded database) at the scale's disputes."""
    from bench import dashboard as bench_dashboard

    return bench_dashboard.rows(scale.disputes)


BENCHMARKS = [
    link_command,
    linkage_side_by_side,
    online_match,
    scan_calls,
    export_ledger,
    classify,
    web,
    dashboard,
]
# The SQLite dashboard is the province run's only: the county run measures the dashboard on
# PostgreSQL under load (web), and keeping `make bench` under 10 minutes leaves no room for both.
PER_SCALE = {
    "county": [b for b in BENCHMARKS if b is not dashboard],
    "province": BENCHMARKS,
}
HEADING = "## "


def _sections(path: Path) -> dict[str, list[str]]:
    """BENCHMARKS.md's sections by scale name (each section's lines, heading included)."""
    if not path.exists():
        return {}
    sections: dict[str, list[str]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(HEADING):
            current = next(
                (k for k, sc in SCALES.items() if line.startswith(f"{HEADING}{sc.title} ")), None
            )
            if current:
                sections[current] = []
        if current:
            sections[current].append(line)
    return sections


def _table_rows(lines: list[str]) -> list[tuple[str, str, str]]:
    rows = []
    for line in lines:
        if line.startswith("| ") and not line.startswith(("| what ", "|---")):
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            if len(cells) == 3:
                rows.append((cells[0], cells[1], cells[2]))
    return rows


def _section(scale: Scale, rows: list[tuple[str, str, str]], minutes: float | None) -> list[str]:
    took = f", {minutes:.1f} minutes" if minutes is not None else ""
    lines = [
        f"{HEADING}{scale.title} scale — `{scale.command}` ({time.strftime('%Y-%m-%d')}{took})",
        "",
        "| what | figure | target |",
        "|---|---|---|",
    ]
    lines += [f"| {what} | {figure} | {target} |" for what, figure, target in rows]
    return [*lines, ""]


NOTES = ROOT / "bench" / "NOTES.md"  # what the figures mean, where targets are missed and why
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def target_met(figure: str, target: str) -> bool | None:
    """Whether a row's figure meets its target ("≥ 5,000", "≤ 300", "p95 ≤ 100", "< 2"); None
    when the row has no target. A "p95" target reads the figure's second number ("p50 / p95")."""
    match = re.match(r"(p95 )?(≥|≤|<|>) ?([\d,.]+)", target)
    if not match:
        return None
    numbers = [float(n.replace(",", "")) for n in _NUMBER.findall(figure)]
    if not numbers:
        return None
    value = numbers[1] if match.group(1) and len(numbers) > 1 else numbers[0]
    bound = float(match.group(3).replace(",", ""))
    return {"≥": value >= bound, "≤": value <= bound, "<": value < bound, ">": value > bound}[
        match.group(2)
    ]


def _verdict(sections: dict[str, list[str]]) -> list[str]:
    lines = [f"{HEADING}Targets", ""]
    for name, section in sections.items():
        rows = [(w, f, t, target_met(f, t)) for w, f, t in _table_rows(section)]
        judged = [r for r in rows if r[3] is not None]
        if not judged:
            lines.append(f"- {SCALES[name].title} scale: not run yet.")
            continue
        missed = [r for r in judged if not r[3]]
        lines.append(
            f"- {SCALES[name].title} scale: {len(judged) - len(missed)} of {len(judged)} "
            "targets met" + ("." if not missed else "; missed:")
        )
        lines += [f"  - {w}: {f} (target {t})" for w, f, t, _ in missed]
    return [*lines, ""]


def main(argv: list[str] | None = None) -> None:
    """Run every benchmark of the scale, or those named (`python -m bench classify web`): then
    the section's other rows are kept from BENCHMARKS.md as they are, and the named ones'
    replaced."""
    import argparse

    names = {bench.__name__: bench for bench in BENCHMARKS}
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=list(SCALES), default="county")
    parser.add_argument(
        "only",
        nargs="*",
        choices=[[], *names],
        metavar="BENCHMARK",
        help=f"run only these: {', '.join(names)} (default: all of the scale's)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
    scale = SCALES[args.scale]
    chosen = [names[n] for n in args.only] or PER_SCALE[scale.name]
    started_all = time.perf_counter()
    new: dict[str, list[tuple[str, str, str]]] = {}
    for bench in chosen:
        print(f"… {bench.__name__} ({scale.name})", flush=True)
        started = time.perf_counter()
        new[bench.__name__] = bench(scale)
        print(f"  {time.perf_counter() - started:.0f} s", flush=True)
    path = ROOT / "BENCHMARKS.md"
    sections = _sections(path)
    if args.only:
        fresh = {what for group in new.values() for what, _, _ in group}
        kept = [r for r in _table_rows(sections.get(scale.name, [])) if r[0] not in fresh]
        # A re-run benchmark's earlier rows may carry other sizes in their names: drop rows that
        # share the new rows' leading words (up to the first comma) too.
        stems = {what.split(",")[0] for what in fresh}
        kept = [r for r in kept if r[0].split(",")[0] not in stems]
        rows = kept + [r for group in new.values() for r in group]
        minutes = None
    else:
        rows = [r for bench in chosen for r in new[bench.__name__]]
        minutes = (time.perf_counter() - started_all) / 60
    sections[scale.name] = _section(scale, rows, minutes)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    packages = ("django", "splink", "duckdb", "psycopg", "gunicorn", "numpy", "scikit-learn")
    versions = ", ".join(f"{p} {version(p)}" for p in packages)
    lines = [
        "# Benchmarks",
        "",
        f"Machine: {machine}. Versions: {versions}.",
        "Figures are medians where a benchmark repeats (the row says how many runs); percentiles",
        "are over every request or match of a run. The notes at the end (bench/NOTES.md) say what",
        "each benchmark does and, where a target is missed, the profile's finding.",
        "",
    ]
    lines += _verdict({k: sections[k] for k in SCALES if k in sections})
    for name in SCALES:
        if name in sections:
            lines += sections[name]
        else:
            sc = SCALES[name]
            lines += [
                f"{HEADING}{sc.title} scale — `{sc.command}`",
                "",
                "Not run on this machine yet.",
                "",
            ]
    if NOTES.exists():
        lines += NOTES.read_text(encoding="utf-8").splitlines()
    text = "\n".join(lines).rstrip("\n") + "\n"
    path.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
