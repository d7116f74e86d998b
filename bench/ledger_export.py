"""`python -m bench.ledger_export --disputes N`: how fast `concord export-ledger` writes the standard
ledger of N disputes, and how much memory it needs (the target: under 300 MB at 100,000 rows).

A fresh SQLite database under var/bench/ gets the demo county's territory, users and
responsibilities (`load_demo` with those steps only) and N generated disputes, bulk-created in a few
seconds by `populate` in a child process: two parties each (valid ID numbers, mobiles), and, spread
over them, what the export fetches per chunk: outcomes on the timeline, closure approvals, follow-up
visits, referrals to mediation bodies, closure tasks. The export then runs as its own process under
bench.scan's wrapper, which reads `getrusage(RUSAGE_CHILDREN).ru_maxrss`, so the peak RSS is the
export's alone.

Reported: rows, seconds (the whole command, start-up included, and the export itself from the
summary), rows per second, peak RSS and the file's size. `--write` puts the figures into
BENCHMARKS.md's table (replacing this benchmark's rows) without running the others.

    python -m bench.ledger_export --disputes 100000 --write
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time

from bench.scan import OUT, ROOT, _concord, _env, _sidecars, measure

DEFAULT_DISPUTES = 100_000
DATABASE = OUT / "export-run.sqlite3"
OUTPUT = OUT / "ledger-export.xlsx"
PREFIX = "| `concord export-ledger`"
TARGET_MIB = 300
TARGET_SECONDS = 15


def populate(n: int, seed: int = 31000) -> None:
    """N disputes in the database DATABASE_URL names (run in a child with Django set up)."""
    import datetime as dt

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from concord.accounts.models import Role, User
    from concord.core.demo import load_demo
    from concord.core.demo.county import RESPONSIBILITIES, UNITS, USERS
    from concord.disputes.models import (
        Category,
        Channel,
        Dispute,
        DisputeEvent,
        Level,
        Party,
        Status,
        Task,
    )
    from concord.mediation.models import BodyKind, FollowUpVisit, MediationBody, Referral
    from concord.people.identity import check_digit
    from concord.territory.models import Unit, UnitKind

    started = time.perf_counter()
    load_demo(steps=[UNITS, USERS, RESPONSIBILITIES])
    rng = random.Random(seed)
    grids = list(Unit.objects.filter(kind=UnitKind.GRID).order_by("code"))
    stations = {u.code: u for u in Unit.objects.filter(kind=UnitKind.STATION)}
    station_of = {g.pk: stations[next(c for c in g.path_codes if c in stations)].pk for g in grids}
    officers = list(User.objects.filter(role=Role.COMMUNITY_OFFICER).order_by("pk"))
    registrar = User.objects.get(username="admin")
    categories = list(Category.objects.filter(parent__isnull=True))
    subtypes = {c.pk: list(c.subtypes.all()) for c in categories}
    bodies = []
    for index, kind in enumerate([*BodyKind.values] * 3):
        body, _ = MediationBody.objects.get_or_create(name=f"基准调解组织{index:02d}", kind=kind)
        bodies.append(body)
    statuses = list(Status.values)
    now = timezone.now()
    batch = 5000

    def id_number() -> str:
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000))
        first = f"411603{born:%Y%m%d}{rng.randrange(1000):03d}"
        return first + check_digit(first)

    def mobile() -> str:
        return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"

    with transaction.atomic():
        for start in range(0, n, batch):
            disputes = []
            for i in range(start, min(n, start + batch)):
                grid = rng.choice(grids)
                category = rng.choice(categories)
                found = now - dt.timedelta(days=rng.uniform(0, 365))
                status = rng.choice(statuses)
                disputes.append(
                    Dispute(
                        case_number=f"B{i:07d}",
                        title=f"基准纠纷{i}号：{category.name}",
                        category=category,
                        subtype=rng.choice(subtypes[category.pk] or [None]),
                        description="两家因琐事发生争吵，经初步了解，双方分歧不大，可就地化解。"
                        * rng.randint(1, 3),
                        grid=grid,
                        station_id=station_of[grid.pk],
                        began_on=(found - dt.timedelta(days=rng.randint(0, 10))).date(),
                        found_at=found,
                        channel=rng.choice(Channel.values),
                        people_involved=rng.choice((2, 2, 3, 5, 12, 40)),
                        level=rng.choice((Level.YELLOW,) * 7 + (Level.ORANGE,) * 2 + (Level.RED,)),
                        status=status,
                        handling_tier="village",
                        owner=rng.choice(officers),
                        outcome_note="双方达成协议" if status != Status.REGISTERED else "",
                        registered_by=registrar,
                    )
                )
            Dispute.objects.bulk_create(disputes)
            disputes = list(
                Dispute.objects.filter(
                    case_number__in=[d.case_number for d in disputes]
                ).values_list("pk", "found_at", "status")
            )
            parties, events, visits, referrals, tasks = [], [], [], [], []
            for pk, found, status in disputes:
                for role in (Party.Role.APPLICANT, Party.Role.RESPONDENT):
                    parties.append(
                        Party(
                            dispute_id=pk,
                            role=role,
                            name=rng.choice("张王李赵刘陈杨黄周吴")
                            + rng.choice("伟芳娜敏静磊军洋"),
                            id_number=id_number(),
                            phone=mobile(),
                        )
                    )
                later = found + dt.timedelta(days=3)
                if rng.random() < 0.4:
                    events.append(
                        DisputeEvent(
                            dispute_id=pk,
                            at=later,
                            action="record_outcome",
                            to_status=rng.choice((Status.RESOLVED, Status.CONTAINED)),
                            note="已化解",
                        )
                    )
                if status == Status.CLOSED:
                    events.append(
                        DisputeEvent(
                            dispute_id=pk,
                            at=later + dt.timedelta(days=20),
                            action="approve_closure",
                            to_status=Status.CLOSED,
                            note="同意销号",
                        )
                    )
                if rng.random() < 0.3:
                    visits.append(
                        FollowUpVisit(
                            dispute_id=pk,
                            visited_at=later + dt.timedelta(days=7),
                            visited_by=registrar,
                            method="phone",
                            met_with="双方",
                            matter_settled=True,
                            grievance_settled=rng.random() < 0.8,
                            note="回访正常",
                        )
                    )
                if rng.random() < 0.25:
                    referrals.append(
                        Referral(
                            dispute_id=pk,
                            body=(body := rng.choice(bodies)),
                            route="police",
                            kind=body.mediation_kind,
                            state=Referral.State.SUCCEEDED,
                            due_at=later + dt.timedelta(days=15),
                            referred_by=registrar,
                            referred_at=later,
                        )
                    )
                tasks.append(
                    Task(
                        dispute_id=pk,
                        kind=Task.Kind.CLOSURE,
                        due_at=found + dt.timedelta(days=60),
                        level=Level.YELLOW,
                    )
                )
            Party.objects.bulk_create(parties)
            DisputeEvent.objects.bulk_create(events)
            FollowUpVisit.objects.bulk_create(visits)
            Referral.objects.bulk_create(referrals)
            Task.objects.bulk_create(tasks)
    print(
        json.dumps({"disputes": n, "seconds": round(time.perf_counter() - started, 1)}),
        file=sys.stderr,
    )


def _clean() -> None:
    for path in (DATABASE, *_sidecars(DATABASE), OUTPUT):
        path.unlink(missing_ok=True)


def run(n: int = DEFAULT_DISPUTES, repeats: int = 1) -> dict:
    """Build the database once, then run the export `repeats` times: medians, the largest RSS."""
    OUT.mkdir(parents=True, exist_ok=True)
    _clean()
    env = _env(DATABASE)
    try:
        started = time.perf_counter()
        subprocess.run(_concord("migrate", "--noinput", "-v0"), env=env, check=True)
        subprocess.run(
            [sys.executable, "-m", "bench.ledger_export", "--populate", str(n)],
            env=env,
            check=True,
            cwd=ROOT,
        )
        setup_seconds = time.perf_counter() - started
        runs = [
            measure(_concord("export-ledger", "--output", str(OUTPUT)), env) for _ in range(repeats)
        ]
        summary = runs[0][0]
        seconds_command = statistics.median(figures["seconds"] for _, figures, _ in runs)
        seconds_export = statistics.median(summary["seconds"] for summary, _, _ in runs)
        result = {
            "disputes_generated": n,
            "runs": repeats,
            "rows": summary["rows"],
            "seconds_setup": round(setup_seconds, 1),
            "seconds_command": round(seconds_command, 2),
            "seconds_export": round(seconds_export, 2),
            "rows_per_second": round(summary["rows"] / seconds_export),
            "peak_rss_mib": round(max(f["maxrss_kib"] for _, f, _ in runs) / 1024, 1),
            "cpu_seconds_command": round(
                statistics.median(f["cpu_seconds"] for _, f, _ in runs), 2
            ),
            "file_mib": round(OUTPUT.stat().st_size / 2**20, 1),
        }
    finally:
        _clean()
    (OUT / f"ledger-export-{n}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


def rows(n: int = DEFAULT_DISPUTES, repeats: int = 1) -> list[tuple[str, str, str]]:
    """For `make bench` (bench/__main__.py): what, figure, target."""
    r = run(n, repeats)
    what = f"`concord export-ledger`, {r['rows']:,} rows" + (
        f" (median of {repeats})" if repeats > 1 else ""
    )
    return [
        (f"{what}: seconds (whole command)", f"{r['seconds_command']}", f"≤ {TARGET_SECONDS}"),
        (f"{what}: seconds (the export, from its summary)", f"{r['seconds_export']}", ""),
        (f"{what}: peak RSS (MiB, the largest run)", f"{r['peak_rss_mib']}", f"≤ {TARGET_MIB}"),
        (f"{what}: rows/s (export)", f"{r['rows_per_second']:,}", ""),
        (f"{what}: CPU seconds (whole command)", f"{r['cpu_seconds_command']}", ""),
        (f"{what}: file size (MiB)", f"{r['file_mib']}", ""),
    ]


def write_benchmarks(figures: list[tuple[str, str, str]]) -> None:
    """Put this benchmark's rows into BENCHMARKS.md's table, replacing its earlier ones."""
    path = ROOT / "BENCHMARKS.md"
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith(PREFIX)]
    last = max(i for i, line in enumerate(kept) if line.startswith("|"))
    new = [f"| {what} | {figure} | {target} |" for what, figure, target in figures]
    path.write_text("\n".join(kept[: last + 1] + new + kept[last + 1 :]) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--disputes", type=int, default=DEFAULT_DISPUTES)
    parser.add_argument("--populate", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md's table")
    args = parser.parse_args(argv)
    if args.populate is not None:
        populate(args.populate)
        return
    figures = rows(args.disputes)
    for what, figure, target in figures:
        print(f"{what}: {figure}" + (f" (target {target})" if target else ""))
    if args.write:
        write_benchmarks(figures)


if __name__ == "__main__":
    main()
