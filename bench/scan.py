"""`python -m bench.scan --calls N`: how fast `concord scan-calls` turns N police calls into leads,
and how much memory it needs.

The calls come from `bench.calls_generator` (CSV, cached under var/bench/). Each run scans into a
fresh copy of a database holding the demo county (territory, disputes, people), built once with
`concord migrate` and `concord load-demo` into var/bench/scan-base.sqlite3, so the scan meets open
disputes and linked persons as it would in a county. The scan runs as its own process, exactly as
an outside tool runs it; a small wrapper process waits for it and reads
`resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`, so the peak RSS is the scan's alone (the setup
commands run as other children of this process and would otherwise count).

Reported: calls/s over the whole command (start-up and classifier loading included) and over the
scan itself (the summary's "seconds"); calls per CPU second of the command (user + system time:
the figure that does not depend on what else the machine runs); the peak RSS; the summary. `--twice` scans the same file
again and checks that it creates no lead.

    python -m bench.scan --calls 100000
    python -m bench.scan --calls 1000000 --twice
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"
BASE_DB = OUT / "scan-base.sqlite3"

# Runs argv[1:] as a child, waits, and prints {"rc", "seconds", "maxrss_kib", "cpu_seconds"} on the
# last line of stderr; the child's stdout passes through.
_WRAPPER = r"""
import json, resource, subprocess, sys, time
started = time.perf_counter()
rc = subprocess.call(sys.argv[1:])
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "seconds": seconds, "maxrss_kib": usage.ru_maxrss,
                  "cpu_seconds": usage.ru_utime + usage.ru_stime}), file=sys.stderr)
"""


def _concord(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("concord")), *args]


def child_json(module: str, *args: str, env: dict[str, str]) -> dict:
    """Run `python -m module args` in a child (its own Django set-up on `env`'s database) and read
    the JSON object its last line of standard output prints."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _env(database: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}


def base_database(rebuild: bool = False) -> Path:
    """The demo county in an SQLite file of its own (built once; a few minutes)."""
    if BASE_DB.exists() and not rebuild:
        return BASE_DB
    OUT.mkdir(parents=True, exist_ok=True)
    building = BASE_DB.with_suffix(".building")
    for path in (building, *_sidecars(building)):
        path.unlink(missing_ok=True)
    env = _env(building)
    print("building the demo county database (once)…", file=sys.stderr)
    subprocess.run(_concord("migrate", "--noinput", "-v0"), env=env, check=True)
    subprocess.run(_concord("load-demo"), env=env, check=True, stdout=subprocess.DEVNULL)
    _checkpoint(building)
    building.replace(BASE_DB)
    return BASE_DB


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]


def _checkpoint(path: Path) -> None:
    import sqlite3

    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def calls_file(n: int, seed: int, *, xlsx: bool = False) -> Path:
    """N generated calls (cached by size and seed)."""
    path = OUT / f"calls-{n}-{seed}.{'xlsx' if xlsx else 'csv'}"
    if path.exists():
        return path
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
    django.setup()
    from bench.calls_generator import generate_calls, write_csv, write_xlsx

    OUT.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    started = time.perf_counter()
    calls = generate_calls(n, seed=seed, bad_share=0.0002)
    if xlsx:
        write_xlsx(partial, calls)
    else:
        write_csv(partial, calls)
    partial.replace(path)
    print(
        f"generated {n:,} calls in {time.perf_counter() - started:.0f} s: {path}", file=sys.stderr
    )
    return path


def measure(command: list[str], env: dict[str, str]) -> tuple[dict, dict, str]:
    """Run `command` in the wrapper: (its JSON summary from stdout, the wrapper's figures, stderr)."""
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *command],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stderr.strip().splitlines()
    figures = json.loads(lines[-1])
    if figures["rc"] != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-4000:]}")
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    return summary, figures, "\n".join(lines[:-1])


def run(
    n: int, *, seed: int = 110, xlsx: bool = False, twice: bool = False, repeats: int = 1
) -> dict:
    """Scan n calls `repeats` times, each into a fresh copy of the base database; with `twice`,
    the last copy is scanned a second time (which must create no lead)."""
    source = calls_file(n, seed, xlsx=xlsx)
    database = OUT / "scan-run.sqlite3"
    runs = []
    for repeat in range(repeats):
        for path in (database, *_sidecars(database)):
            path.unlink(missing_ok=True)
        shutil.copyfile(base_database(), database)
        env = _env(database)
        # The base may predate newer migrations; bring the copy up to date (not measured).
        subprocess.run(_concord("migrate", "--noinput", "-v0"), env=env, check=True)
        again = twice and repeat == repeats - 1
        for _ in range(2 if again else 1):
            summary, figures, stderr = measure(
                _concord("scan-calls", str(source), "--summary", str(OUT / "scan-summary.json")),
                env,
            )
            runs.append(
                {
                    "calls": n,
                    "file": source.name,
                    "seconds_command": round(figures["seconds"], 2),
                    "seconds_scan": summary["seconds"],
                    "calls_per_second_command": round(n / figures["seconds"]),
                    "calls_per_second_scan": (
                        round(n / summary["seconds"]) if summary["seconds"] else 0
                    ),
                    "peak_rss_mib": round(figures["maxrss_kib"] / 1024, 1),
                    "cpu_seconds_command": round(figures["cpu_seconds"], 2),
                    "calls_per_cpu_second": round(n / figures["cpu_seconds"]),
                    "summary": summary,
                    "stderr_lines": len(stderr.splitlines()),
                }
            )
    for path in (database, *_sidecars(database)):
        path.unlink(missing_ok=True)
    result = {"runs": runs}
    if twice:
        result["second_run_created"] = runs[-1]["summary"]["leads_created"]
        result["runs_measured"] = runs[:-1]
    (OUT / f"scan-{n}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
    return result


def rows(n: int = 100_000, repeats: int = 1) -> list[tuple[str, str, str]]:
    """For `make bench` (bench/__main__.py): what, figure, target (medians of `repeats` scans)."""
    runs = run(n, repeats=repeats)["runs"]

    def median(key):
        return statistics.median(r[key] for r in runs)

    what = f"`concord scan-calls`, {n:,} calls" + (f" (median of {repeats})" if repeats > 1 else "")
    return [
        (f"{what}: calls/s (scan)", f"{median('calls_per_second_scan'):,.0f}", "≥ 5,000"),
        (f"{what}: calls/s (whole command)", f"{median('calls_per_second_command'):,.0f}", ""),
        (f"{what}: calls per CPU second", f"{median('calls_per_cpu_second'):,.0f}", ""),
        (
            f"{what}: peak RSS (MiB, the largest run)",
            f"{max(r['peak_rss_mib'] for r in runs)}",
            "≤ 4,096",
        ),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=110)
    parser.add_argument("--xlsx", action="store_true", help="scan an XLSX file instead of CSV")
    parser.add_argument("--twice", action="store_true", help="scan again: must create no lead")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the demo county database")
    args = parser.parse_args(argv)
    if args.rebuild:
        base_database(rebuild=True)
    result = run(args.calls, seed=args.seed, xlsx=args.xlsx, twice=args.twice)
    for i, r in enumerate(result["runs"], start=1):
        print(
            f"run {i}: {r['calls']:,} calls — {r['calls_per_second_scan']:,} calls/s in the scan "
            f"({r['seconds_scan']} s), {r['calls_per_second_command']:,} calls/s for the whole "
            f"command ({r['seconds_command']} s), {r['calls_per_cpu_second']:,} calls per CPU "
            f"second ({r['cpu_seconds_command']} s of CPU), peak RSS {r['peak_rss_mib']} MiB"
        )
        print("  " + json.dumps(r["summary"], ensure_ascii=False))
    if args.twice and result["second_run_created"]:
        sys.exit("the second run created leads")


if __name__ == "__main__":
    main()
