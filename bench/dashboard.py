"""`python -m bench.dashboard --disputes N`: how long the dashboard's reads take at a county of N
disputes on SQLite (the target: 300 ms for the county page).

A fresh SQLite file under var/bench/ is migrated with `concord migrate`; a child process then
builds a county of 2,000 grids (1 bureau, 20 stations, 80 police posts, 400 villages, 5 grids
each) through the ORM, a commander (the bureau) and a station chief (one of 20 stations), 200 grid
workers, and N disputes bulk-inserted with sqlite3's `executemany` in one transaction: found over
five years (skewed to recent), 6 % red, 19 % orange, the rest yellow, nearly all older cases
closed; plus the tasks the overdue panel reads (a first-contact task on every open case, some
past due; a done follow-up on 30 % of the closed). `ANALYZE` runs last.

Timing runs in a fresh child per user (Django set up on the file): the first call of
`concord.reporting.selectors.dashboard(...)` plus `.as_json()` in the process ("cold": the
connection and SQLite's page cache new, though the file sits in the OS cache since the build just
wrote it; the URLconf is imported first, as a web worker has it before any request, since the
import alone takes most of a second), then the median of 5 warm calls. Beside it the bare
aggregate, `SELECT level, COUNT(*) FROM disputes_dispute WHERE status IN (open) GROUP BY level`
(median of 5), as SQLite plans it and with `INDEXED BY` the (status, level) index, and the
dashboard's ratios to both. After ANALYZE, SQLite plans the bare query as a walk of the
(level, closed_at, found_at, grid) index that saves the sort but visits every row of the table for
its status, which takes seconds at 1,000,000; the dashboard's own queries group per grid over
covering indexes, and so run faster than that naive aggregate. The grid map (`grid_map`) is timed
too, for information.

    python -m bench.dashboard --disputes 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import time

from bench.scan import OUT, _concord, _env, _sidecars, child_json

DEFAULT_DISPUTES = 1_000_000
DATABASE = OUT / "dashboard-run.sqlite3"
TARGET_MS = 300
OPEN = ["registered", "assessed", "assigned", "mediating", "resolved", "contained", "following_up"]
BATCH = 20_000
STATUS_INDEX = "disputes_di_status_7c2493_idx"  # (status, level)


def _django():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
    django.setup()


def populate(n: int, seed: int = 7) -> dict:
    """The county and N disputes in DATABASE (run in a child: DATABASE_URL names the file)."""
    import sqlite3

    _django()
    from django.db import connection, transaction

    from concord.accounts.models import Role, User
    from concord.disputes.models import Category
    from concord.territory.models import Unit

    started = time.perf_counter()

    def unit(code, name, kind, parent):
        path = (parent.path if parent else "/") + code + "/"
        return Unit.objects.create(code=code, name=name, kind=kind, parent=parent, path=path)

    grids: list[tuple[int, int]] = []  # (grid id, station id)
    with transaction.atomic():
        bureau = unit("B", "基准分局", "bureau", None)
        for s in range(20):
            station = unit(f"S{s:02d}", f"基准派出所{s}", "station", bureau)
            for p in range(4):
                post = unit(f"S{s:02d}P{p}", f"警务室{s}-{p}", "post", station)
                for v in range(5):
                    village = unit(f"S{s:02d}P{p}V{v}", f"村{s}-{p}-{v}", "village", post)
                    for g in range(5):
                        grid = unit(
                            f"S{s:02d}P{p}V{v}G{g}", f"网格{s}-{p}-{v}-{g}", "grid", village
                        )
                        grids.append((grid.pk, station.pk))
        commander = User.objects.create(
            username="bench-commander", role=Role.BUREAU_COMMANDER, scope_unit=bureau
        )
        User.objects.create(
            username="bench-chief",
            role=Role.STATION_CHIEF,
            scope_unit=Unit.objects.get(code="S03"),
        )
        workers = [
            User.objects.create(
                username=f"bench-worker{i}", role=Role.GRID_WORKER, scope_unit=bureau
            ).pk
            for i in range(200)
        ]
    categories = list(Category.objects.filter(parent=None).values_list("id", flat=True))
    connection.close()
    units_seconds = time.perf_counter() - started

    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    span = 5 * 365 * 86400
    db = sqlite3.connect(os.environ["DATABASE_URL"].removeprefix("sqlite:///"))
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-262144")  # 256 MiB while building
    insert_dispute = (
        "INSERT INTO disputes_dispute (case_number, title, category_id, description, grid_id,"
        " station_id, found_at, channel, people_involved, level, status, handling_tier,"
        " outcome_note, transferred_to, registered_by_id, closed_at, created_at, updated_at,"
        " version) VALUES (?, '基准纠纷', ?, '', ?, ?, ?, 'grid_report', 2, ?, ?, 'village', '',"
        " '', ?, ?, ?, ?, 1)"
    )
    insert_task = (
        "INSERT INTO disputes_task (dispute_id, kind, title, due_at, assignee_id, state, level,"
        " waive_reason, data, created_at) VALUES (?, ?, '', ?, ?, ?, 'yellow', '', '{}', ?)"
    )
    stamp = str(now)
    n_tasks = 0
    with db:
        (first_id,) = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM disputes_dispute").fetchone()
        batch, tasks = [], []
        for i in range(n):
            found = now - dt.timedelta(seconds=rng.random() ** 0.8 * span)
            r = rng.random()
            level = "red" if r < 0.06 else "orange" if r < 0.25 else "yellow"
            age = (now - found).days
            closed = None
            if (age > 30 and rng.random() < 0.97) or (age <= 30 and rng.random() < 0.3):
                closed = min(found + dt.timedelta(days=rng.randint(1, 60)), now)
            status = "closed" if closed else rng.choice(OPEN)
            grid, station = grids[rng.randrange(len(grids))]
            found_s = str(found)
            batch.append(
                (
                    f"BD{i:08d}",
                    rng.choice(categories),
                    grid,
                    station,
                    found_s,
                    level,
                    status,
                    commander.pk,
                    str(closed) if closed else None,
                    found_s,
                    found_s,
                )
            )
            pk = first_id + i
            if closed is None:
                due = now - dt.timedelta(days=rng.randint(-5, 20))
                tasks.append((pk, "first_contact", str(due), rng.choice(workers), "open", stamp))
            elif rng.random() < 0.3:
                due = now - dt.timedelta(days=rng.randint(30, 900))
                tasks.append((pk, "follow_up", str(due), rng.choice(workers), "done", stamp))
            if len(batch) >= BATCH:
                db.executemany(insert_dispute, batch)
                db.executemany(insert_task, tasks)
                n_tasks += len(tasks)
                batch, tasks = [], []
        db.executemany(insert_dispute, batch)
        db.executemany(insert_task, tasks)
        n_tasks += len(tasks)
    (last_id,) = db.execute("SELECT MAX(id) FROM disputes_dispute").fetchone()
    if last_id != first_id + n - 1:
        raise AssertionError("dispute ids were not consecutive; the tasks point at wrong cases")
    insert_seconds = time.perf_counter() - started - units_seconds
    analyze_started = time.perf_counter()
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return {
        "disputes": n,
        "tasks": n_tasks,
        "seconds_units": round(units_seconds, 1),
        "seconds_insert": round(insert_seconds, 1),
        "seconds_analyze": round(time.perf_counter() - analyze_started, 1),
    }


def _ms(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def time_reads(who: str, warm: int = 5) -> dict:
    """Cold and warm dashboard timings for one user, and the bare aggregate (in a fresh child)."""
    _django()
    from django.db import connection
    from django.urls import get_resolver

    from concord.accounts.models import User
    from concord.disputes.models import OPEN_STATUSES
    from concord.reporting import selectors

    user = User.objects.select_related("scope_unit").get(username=who)
    unit = selectors.dashboard_unit(actor=user)
    # The URLconf first (the links need it; a web worker has it loaded before any request),
    # then the first call: no dashboard query has run in this process.
    urlconf = _ms(lambda: get_resolver().reverse_dict)
    cold = _ms(lambda: selectors.dashboard(actor=user, unit=unit).as_json())
    times = [_ms(lambda: selectors.dashboard(actor=user, unit=unit).as_json()) for _ in range(warm)]
    board = selectors.dashboard(actor=user, unit=unit)
    map_times = [_ms(lambda: selectors.grid_map(actor=user, unit=unit).as_json()) for _ in range(3)]
    result: dict = {
        "unit": unit.code,
        "urlconf_import_ms": round(urlconf, 1),
        "cold_ms": round(cold, 1),
        "warm_ms": [round(t, 1) for t in times],
        "median_ms": round(statistics.median(times), 1),
        "open_total": sum(board.open_by_level.values()),
        "overdue_total": board.overdue_total,
        "map_median_ms": round(statistics.median(map_times), 1),
    }
    statuses = sorted(OPEN_STATUSES)
    marks = ", ".join(["%s"] * len(statuses))
    sql = f"SELECT level, COUNT(*) FROM disputes_dispute WHERE status IN ({marks}) GROUP BY level"
    with connection.cursor() as cursor:

        def bare():
            cursor.execute(sql, statuses)
            cursor.fetchall()

        bare()
        times = [_ms(bare) for _ in range(warm)]
        indexed = sql.replace("disputes_dispute", "disputes_dispute INDEXED BY " + STATUS_INDEX)

        def bare_indexed():
            cursor.execute(indexed, statuses)
            cursor.fetchall()

        bare_indexed()
        indexed_times = [_ms(bare_indexed) for _ in range(warm)]
        cursor.execute("SELECT COUNT(*) FROM disputes_dispute")
        (total,) = cursor.fetchone()
        cursor.execute("EXPLAIN QUERY PLAN " + sql, statuses)
        plan = [row[-1] for row in cursor.fetchall()]
    result["bare_sql_median_ms"] = round(statistics.median(times), 1)
    result["bare_sql_plan"] = plan
    result["bare_sql_status_index_median_ms"] = round(statistics.median(indexed_times), 1)
    result["disputes_in_db"] = total
    return result


def _clean() -> None:
    for path in (DATABASE, *_sidecars(DATABASE)):
        path.unlink(missing_ok=True)


def _child(*args: str, env: dict) -> dict:
    return child_json("bench.dashboard", *args, env=env)


def run(n: int = DEFAULT_DISPUTES, *, keep: bool = False) -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    _clean()
    env = _env(DATABASE)
    try:
        started = time.perf_counter()
        subprocess.run(_concord("migrate", "--noinput", "-v0"), env=env, check=True)
        migrate_seconds = time.perf_counter() - started
        built = _child("--populate", str(n), env=env)
        built["seconds_migrate"] = round(migrate_seconds, 1)
        built["seconds_total"] = round(time.perf_counter() - started, 1)
        built["db_mib"] = round(DATABASE.stat().st_size / 2**20)
        reads = {who: _child("--time", who, env=env) for who in ("bench-commander", "bench-chief")}
        for key in ("bare_sql_median_ms", "bare_sql_status_index_median_ms", "bare_sql_plan"):
            reads[key] = reads["bench-commander"][key]
    finally:
        if not keep:
            _clean()
    result = {"build": built, "reads": reads}
    (OUT / f"dashboard-{n}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


def rows(n: int = DEFAULT_DISPUTES) -> list[tuple[str, str, str]]:
    """For `make bench` (bench/__main__.py): what, figure, target."""
    r = run(n)
    build, reads = r["build"], r["reads"]
    bare, floor = reads["bare_sql_median_ms"], reads["bare_sql_status_index_median_ms"]
    what = f"dashboard, {n:,} disputes (SQLite, after ANALYZE)"
    out = [
        (
            f"{what}: bare open-by-level GROUP BY, ms: planner's choice / (status, level) index",
            f"{bare:.0f} / {floor:.1f}",
            "",
        )
    ]
    for who, label in (("bench-commander", "commander, county"), ("bench-chief", "station chief")):
        t = reads[who]
        out += [
            (f"{what}: {label}: ms (median of 5 warm)", f"{t['median_ms']:.0f}", f"≤ {TARGET_MS}"),
            (f"{what}: {label}: ms, first call in a new process", f"{t['cold_ms']:.0f}", ""),
            (
                f"{what}: {label}: ratio to the bare GROUP BY (planner's / indexed)",
                f"{t['median_ms'] / bare:.2f} / {t['median_ms'] / floor:.1f}" if floor else "—",
                "",
            ),
            (f"{what}: {label}: grid map ms (median of 3)", f"{t['map_median_ms']:.0f}", ""),
        ]
    out.append(
        (
            f"{what}: seconds to build (migrate + county + insert + ANALYZE)",
            f"{build['seconds_total']:.0f}",
            "≤ 180",
        )
    )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--disputes", type=int, default=DEFAULT_DISPUTES)
    parser.add_argument("--keep", action="store_true", help=f"keep {DATABASE.name} afterwards")
    parser.add_argument("--populate", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--time", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.populate is not None:
        print(json.dumps(populate(args.populate)))
        return
    if args.time:
        print(json.dumps(time_reads(args.time)))
        return
    print(json.dumps(run(args.disputes, keep=args.keep), indent=2))


if __name__ == "__main__":
    main()
