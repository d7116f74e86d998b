"""`python -m bench.web --disputes N`: Concord's pages under load, on PostgreSQL with N disputes
and 20 concurrent clients (issue 11; targets: API create p95 ≤ 100 ms, the dispute list p95 ≤ 200
ms, the dashboard ≤ 300 ms).

What it does, all in a temporary directory removed at the end (also after an error):
1. starts a throwaway PostgreSQL cluster (initdb, pg_ctl; as the `postgres` user when run as root,
   like scripts/test.sh) on a free port, and runs `concord migrate` against it;
2. builds a county of 2,000 grids and N disputes with bench/county_generator.py (COPY, indexes
   rebuilt afterwards, VACUUM ANALYZE);
3. serves Concord with gunicorn as docs/deployment.md sets it up: 2 × cores + 1 sync workers,
   `--preload`, persistent database connections (CONCORD_CONN_MAX_AGE=60), DEBUG off, the normal
   settings (no secret key in the environment, so not "production": no HTTPS redirect);
4. drives it with httpx from one asyncio loop: 20 clients for each of the dispute list (the
   county commander's ledger, default filters, page 1), the case page of random cases (the
   commander), the county dashboard (the commander, whose session is confirmed by a TOTP device as
   RequireSecondFactorMiddleware demands) and API create (POST /api/disputes with two parties and
   a bearer token). Two load shapes: (a) 20 users each waiting 1 s after every answer, like locust
   users (the headline figures, compared with the targets) and (b) 20 clients back to back
   (saturation: how many requests a second the box serves, and at what latency). Each phase
   measures `--seconds` (default 8; back to back at most 4) after a 2 s warm-up; every answer must be 200 (201 for
   create), or the run fails;
5. times the bare SQL aggregate the dashboard needs (open disputes per level under the county's
   grids; median of 5 through psycopg) and the dashboard page from one client (median of 5
   sequential calls), and reports their ratio.

The load generator, gunicorn and PostgreSQL share the machine's cores (and, on a shared machine,
with whatever else runs): the figures are for the whole stack on one box, client included.
Latencies are measured in the client, from sending the request to reading the whole answer.
Beside them, for each measured window, the CPU time gunicorn (master and workers) and PostgreSQL
(postmaster and backends) spent per request, read from /proc: those do not depend on what else
the machine runs, the latencies do; the machine's load average is recorded with them.
API create runs with CONCORD_API_RATE lifted (the 20 clients share one token, which the default
600 a minute would throttle); the result, with every figure, goes to var/bench/web-N.json.

    python -m bench.web --disputes 1000000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.scan import OUT, ROOT, _concord, child_json

DEFAULT_DISPUTES = 1_000_000
CLIENTS = 20
THINK_SECONDS = 1.0
WARMUP_SECONDS = 2.0
PHASE_SECONDS = 8.0
# Back to back, 20 clients make ~40 requests a second: 4 s gives percentiles over ~160 answers.
SATURATE_SECONDS = 4.0
TARGETS_MS = {"list": 200, "case": None, "dashboard": 300, "create": 100}
PG_BIN = Path("/usr/lib/postgresql/15/bin")
COMMANDER = "b0-commander"
# The throttle guards against one runaway token (600 a minute by default); here 20 clients share
# one token on purpose, so the limit is lifted for the benchmark.
API_RATE = "1000000/min"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and all its descendants, live or ended (an ended child's time is
    in its parent's cutime/cstime once reaped): gunicorn's master and workers, or the postmaster
    and its backends."""
    stats: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ppid, times = int(fields[1]), sum(int(x) for x in fields[11:15])
        stats[int(entry)] = (ppid, times / _TICK)
    children: dict[int, list[int]] = {}
    for child, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(child)
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        if current in stats:
            total += stats[current][1]
            stack.extend(children.get(current, []))
    return total


def _pg_bindir() -> Path:
    if (PG_BIN / "initdb").exists():
        return PG_BIN
    found = shutil.which("initdb")
    if not found:
        raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found")
    return Path(found).parent


class Cluster:
    """A throwaway PostgreSQL cluster in `directory` (scripts/test.sh does the same in bash)."""

    # fsync, full_page_writes and synchronous_commit are off: the cluster is thrown away after
    # the run, so nothing needs to survive a crash. It spares the build most of its disk writes;
    # the reads measured do not depend on it, and a commit (API create) skips the WAL flush a
    # real server would wait for (well under a millisecond on an SSD with a write cache).
    SETTINGS = {
        "listen_addresses": "127.0.0.1",
        "max_connections": "100",
        "shared_buffers": "256MB",
        "work_mem": "16MB",
        "maintenance_work_mem": "512MB",
        "effective_cache_size": "4GB",
        "max_wal_size": "8GB",
        "checkpoint_timeout": "30min",
        "wal_level": "minimal",
        "max_wal_senders": "0",
        "fsync": "off",
        "full_page_writes": "off",
        "synchronous_commit": "off",
        "max_parallel_maintenance_workers": "2",
        "autovacuum": "on",
    }

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.port = _free_port()
        self.bindir = _pg_bindir()
        self.as_pg: list[str] = []
        self.started = False

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/concord"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/concord"

    def _run(self, *args: str, log: str) -> None:
        with open(self.directory / log, "ab") as out:
            done = subprocess.run([*self.as_pg, *args], stdout=out, stderr=subprocess.STDOUT)
        if done.returncode:
            raise RuntimeError(
                f"{Path(args[0]).name} failed:\n"
                + (self.directory / log).read_text(errors="replace")[-3000:]
            )

    def start(self) -> None:
        if os.geteuid() == 0:
            if subprocess.run(["id", "postgres"], capture_output=True).returncode:
                subprocess.run(
                    ["useradd", "--system", "--home", str(self.directory), "postgres"], check=True
                )
            shutil.chown(self.directory, "postgres")
            self.as_pg = ["runuser", "-u", "postgres", "--"]
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            log="initdb.log",
        )
        options = f"-p {self.port} -k {self.directory} " + " ".join(
            f"-c {k}={v}" for k, v in self.SETTINGS.items()
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.directory / "server.log"),
            "-w",
            "start",
            "-o",
            options,
            log="pg_ctl.log",
        )
        self.started = True
        import psycopg

        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE concord")

    @property
    def pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        if self.started:
            subprocess.run(
                [*self.as_pg, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast"]
                + ["stop"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self.started = False


# --- sessions, cases and the bare aggregate (Django in a child process) -------------------------


def _django():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
    django.setup()


def prepare(clients: int, seed: int) -> dict:
    """Sessions for the commander, confirmed by a TOTP device (as a login with the code leaves
    them), and a sample of case numbers and grids for the load (run with DATABASE_URL set)."""
    _django()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from concord.accounts.middleware import touch_session
    from concord.accounts.models import User
    from concord.disputes.models import OPEN_STATUSES
    from concord.territory.models import Unit, UnitKind

    commander = User.objects.get(username=COMMANDER)
    device = TOTPDevice.objects.create(user=commander, name="authenticator", confirmed=True)
    sessions = []
    for _ in range(clients):
        session = SessionStore()
        session[SESSION_KEY] = str(commander.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = commander.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        touch_session(session)
        session.create()
        sessions.append(session.session_key)
    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id) FROM disputes_dispute")
        (top,) = cursor.fetchone()
        ids = rng.sample(range(1, top + 1), min(2000, top))
        cursor.execute("SELECT case_number FROM disputes_dispute WHERE id = ANY(%s)", [ids])
        cases = sorted(row[0] for row in cursor.fetchall())
    scope = commander.scope_unit
    # The dashboard as computed for every request when nothing is shared (the selector itself,
    # as CONCORD_DASHBOARD_CACHE_SECONDS=0 serves it): one warm-up, then 5 timed.
    from concord.reporting.selectors import dashboard

    compute_ms = []
    for i in range(6):
        started = time.perf_counter()
        dashboard(actor=commander, unit=scope).as_json()
        if i:
            compute_ms.append((time.perf_counter() - started) * 1000)
    grids = list(
        Unit.objects.filter(kind=UnitKind.GRID, path__startswith=scope.path)
        .order_by("code")
        .values_list("code", flat=True)
    )
    return {
        "sessions": sessions,
        "cases": cases,
        "grids": grids,
        "unit_path": scope.path,
        "open_statuses": sorted(OPEN_STATUSES),
        "dashboard_compute_ms": compute_ms,
    }


def bare_sql(dsn: str, unit_path: str, statuses: list[str], repeat: int = 5) -> dict:
    """The aggregate the dashboard's headline needs: open disputes per level under the unit's grids
    (the dashboard reaches them the same way, disputes_under in reporting/selectors.py)."""
    import psycopg

    sql = (
        "SELECT level, COUNT(*) FROM disputes_dispute WHERE status = ANY(%s) AND grid_id IN"
        " (SELECT id FROM territory_unit WHERE kind = 'grid' AND path LIKE %s) GROUP BY level"
    )
    params = [statuses, unit_path + "%"]
    times = []
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(sql, params).fetchall()
        for _ in range(repeat):
            started = time.perf_counter()
            conn.execute(sql, params).fetchall()
            times.append((time.perf_counter() - started) * 1000)
        plan = [r[0] for r in conn.execute("EXPLAIN " + sql, params).fetchall()]
    return {
        "median_ms": statistics.median(times),
        "times_ms": [round(t, 2) for t in times],
        "open_by_level": dict(rows),
        "plan": plan,
    }


# --- the server ------------------------------------------------------------------------------


def _server_env(cluster: Cluster, var_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CONCORD_") and k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        {
            "DATABASE_URL": cluster.url,
            "DJANGO_SETTINGS_MODULE": "concord.settings",
            "CONCORD_CONN_MAX_AGE": "60",
            "CONCORD_VAR_DIR": str(var_dir),  # huey's file and media: not the repository's var/
            "CONCORD_API_RATE": API_RATE,
        }
    )
    return env


def workers() -> int:
    return 2 * (os.cpu_count() or 1) + 1


def start_gunicorn(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "concord.wsgi:application",
        "--workers",
        str(workers()),
        "--bind",
        f"127.0.0.1:{port}",
        "--preload",
        "--timeout",
        "60",
        "--max-requests",
        "2000",
        "--max-requests-jitter",
        "200",
        "--error-logfile",
        str(log),
    ]
    with open(log, "ab") as out:
        server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited:\n" + log.read_text(errors="replace")[-3000:])
        try:
            if httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=5).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    server.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


def stop_process(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- the load --------------------------------------------------------------------------------


@dataclass
class Phase:
    endpoint: str
    shape: str  # "think" or "saturate"
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds in the measured window
    load: float = 0.0  # the machine's 1-minute load average at the window's end

    def figures(self) -> dict:
        lat = sorted(self.latencies_ms)
        per = {k: round(v * 1000 / len(lat), 1) if lat else None for k, v in self.cpu.items()}
        return {
            "cpu_ms_per_request": per,
            "load_average": round(self.load, 2),
            "requests": len(lat),
            "errors": len(self.errors),
            "p50_ms": _percentile(lat, 50),
            "p95_ms": _percentile(lat, 95),
            "max_ms": lat[-1] if lat else None,
            "rps": len(lat) / self.seconds if self.seconds else 0.0,
            "first_errors": self.errors[:5],
        }


def _percentile(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1]


class Load:
    """The four requests, each as one client makes it."""

    def __init__(
        self, base: str, prep: dict, token: str, seed: int, pids: dict[str, int] | None = None
    ) -> None:
        self.pids = pids or {}  # {"app": gunicorn's master, "db": the postmaster}
        self.base = base
        self.prep = prep
        self.token = token
        self.seed = seed
        self.created = 0

    def client(self, index: int, endpoint: str):
        import httpx

        headers = {"Accept-Language": "zh-hans"}
        cookies = {}
        if endpoint == "create":
            headers["Authorization"] = f"Bearer {self.token}"
        else:
            sessions = self.prep["sessions"]
            cookies["sessionid"] = sessions[index % len(sessions)]
        # One connection per client, as a browser tab has; sync gunicorn workers close it after
        # each answer, so httpx connects again for the next.
        return httpx.AsyncClient(
            base_url=self.base,
            headers=headers,
            cookies=cookies,
            timeout=60,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=1),
        )

    async def request(self, client, endpoint: str, rng: random.Random):
        if endpoint == "list":
            return await client.get("/disputes/"), 200
        if endpoint == "case":
            case = rng.choice(self.prep["cases"])
            return await client.get(f"/disputes/{case}/"), 200
        if endpoint == "dashboard":
            return await client.get("/reporting/dashboard/"), 200
        if endpoint == "create":
            return await client.post("/api/disputes", json=self.payload(rng)), 201
        raise ValueError(endpoint)

    def payload(self, rng: random.Random) -> dict:
        from bench.county_generator import _person_name, _phone

        self.created += 1
        a, b = _person_name(rng), _person_name(rng)
        return {
            "title": f"{a[0]}某与{b[0]}某噪音纠纷",
            "category": "neighbour",
            "subtype": "neighbour.noise",
            "grid": rng.choice(self.prep["grids"]),
            "channel": "police_call",
            "description": f"110 接警：{a}报警称与邻居{b}因装修噪音发生争执。",
            "level": "yellow",
            "parties": [
                {"name": a, "role": "applicant", "phone": _phone(rng)},
                {"name": b, "role": "respondent", "phone": _phone(rng)},
            ],
        }

    async def run(
        self,
        endpoint: str,
        shape: str,
        *,
        clients: int = CLIENTS,
        warmup: float = WARMUP_SECONDS,
        seconds: float = PHASE_SECONDS,
    ) -> Phase:
        think = THINK_SECONDS if shape == "think" else 0.0
        phase = Phase(endpoint, shape, seconds=seconds)
        loop = asyncio.get_running_loop()
        begin = loop.time()
        measure_from, stop_at = begin + warmup, begin + warmup + seconds

        async def user(index: int) -> None:
            rng = random.Random(f"{self.seed}/{endpoint}/{shape}/{index}")
            async with self.client(index, endpoint) as client:
                if think:  # users arrive spread over the first think time, not all at once
                    await asyncio.sleep(rng.random() * think)
                while loop.time() < stop_at:
                    started = loop.time()
                    try:
                        response, expected = await self.request(client, endpoint, rng)
                        await response.aread()
                        ok = response.status_code == expected
                        problem = f"{response.status_code} {response.url.path}"
                    except Exception as exc:  # noqa: BLE001 - every failure counts as an error
                        ok, problem = False, f"{type(exc).__name__}: {exc}"
                    elapsed = (loop.time() - started) * 1000
                    if measure_from <= started < stop_at:
                        if ok:
                            phase.latencies_ms.append(elapsed)
                        else:
                            phase.errors.append(problem)
                    elif not ok:
                        phase.errors.append("warm-up: " + problem)
                    if think:
                        await asyncio.sleep(think)

        def snapshot() -> dict[str, float]:
            cpu = {name: tree_cpu(pid) for name, pid in self.pids.items()}
            cpu["client"] = time.process_time()
            return cpu

        marks: list[dict[str, float]] = []
        if seconds:
            loop.call_at(measure_from, lambda: marks.append(snapshot()))
            loop.call_at(stop_at, lambda: marks.append(snapshot()))
        await asyncio.gather(*(user(i) for i in range(clients)))
        if len(marks) == 2:
            phase.cpu = {k: marks[1][k] - marks[0][k] for k in marks[0]}
            phase.load = os.getloadavg()[0]
        return phase

    async def sequential(self, endpoint: str, repeat: int = 5) -> list[float]:
        """One client, one request after another: the time of each (ms)."""
        rng = random.Random(f"{self.seed}/{endpoint}/sequential")
        times = []
        async with self.client(0, endpoint) as client:
            for _ in range(repeat):
                started = time.perf_counter()
                response, expected = await self.request(client, endpoint, rng)
                await response.aread()
                if response.status_code != expected:
                    raise RuntimeError(f"{endpoint}: {response.status_code} from {response.url}")
                times.append((time.perf_counter() - started) * 1000)
        return times


async def _drive(load: Load, seconds: float) -> dict:
    endpoints = ("list", "case", "dashboard", "create")
    # Every worker imports the URLconf and opens its connection at its first request: a round of
    # each request from all clients first, not measured.
    for endpoint in endpoints:
        warm = await load.run(endpoint, "saturate", warmup=3.0, seconds=0.0)
        if warm.errors:
            raise RuntimeError(f"{endpoint} fails while warming up: {warm.errors[:3]}")
    single = {e: await load.sequential(e) for e in ("dashboard", "list")}
    phases = {}
    for shape in ("think", "saturate"):
        for endpoint in endpoints:
            length = seconds if shape == "think" else min(seconds, SATURATE_SECONDS)
            phase = await load.run(endpoint, shape, seconds=length)
            phases[f"{endpoint}/{shape}"] = phase.figures()
            f = phases[f"{endpoint}/{shape}"]
            cpu = f["cpu_ms_per_request"]
            _log(
                f"  {endpoint:9} {shape:8} p50 {f['p50_ms'] or 0:7.1f} ms  p95 {f['p95_ms'] or 0:7.1f}"
                f" ms  {f['rps']:6.1f}/s  errors {f['errors']}  CPU ms/request: app"
                f" {cpu.get('app')} db {cpu.get('db')} client {cpu.get('client')}"
                f"  load {f['load_average']}"
            )
    return {"single_ms": single, "phases": phases}


# --- the whole run ---------------------------------------------------------------------------


def run(
    n: int = DEFAULT_DISPUTES, *, seed: int | None = None, seconds: float = PHASE_SECONDS
) -> dict:
    from bench import county_generator

    seed = county_generator.DEFAULT_SEED if seed is None else seed
    tmp = Path(tempfile.mkdtemp(prefix="concord-web-"))
    cluster = Cluster(tmp)
    server = None
    result: dict = {"disputes": n, "clients": CLIENTS, "workers": workers()}
    try:
        started = time.perf_counter()
        _log(f"… PostgreSQL cluster in {tmp}")
        cluster.start()
        var_dir = tmp / "var"
        var_dir.mkdir()
        env = _server_env(cluster, var_dir)
        subprocess.run(_concord("migrate", "--noinput", "-v0"), env=env, cwd=ROOT, check=True)
        result["seconds_migrate"] = round(time.perf_counter() - started, 1)
        _log(f"… {n:,} disputes")
        county, built = county_generator.load_postgres(
            cluster.dsn,
            n,
            seed=seed,
            log=_log,
            workers=os.cpu_count() or 2,
            server_cpu=lambda: tree_cpu(cluster.pid),
        )
        built["load_average"] = round(os.getloadavg()[0], 2)
        _log(f"  load average {built['load_average']}")
        result["build"] = built
        prep = child_json("bench.web", "--prepare", str(CLIENTS), "--seed", str(seed), env=env)
        result["bare_sql"] = bare_sql(cluster.dsn, prep["unit_path"], prep["open_statuses"])
        result["dashboard_compute_ms"] = prep["dashboard_compute_ms"]
        port = _free_port()
        _log(f"… gunicorn, {workers()} workers")
        server = start_gunicorn(env, port, tmp / "gunicorn.log")
        pids = {"app": server.pid, "db": cluster.pid}
        load = Load(f"http://127.0.0.1:{port}", prep, county.api_token, seed, pids)
        result.update(asyncio.run(_drive(load, seconds)))
        result["api_created"] = load.created
        errors = {k: v["errors"] for k, v in result["phases"].items() if v["errors"]}
        if errors:
            first = {k: result["phases"][k]["first_errors"] for k in errors}
            raise RuntimeError(f"requests failed: {errors}; first: {first}")
        result["seconds_total"] = round(time.perf_counter() - started, 1)
    finally:
        stop_process(server)
        cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"web-{n}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return result


LABELS = {
    "list": "dispute list (commander's ledger, page 1)",
    "case": "case page (commander, random cases)",
    "dashboard": "dashboard (commander, county; shared for 30 s)",
    "create": "API create (2 parties, bearer token)",
}


def table(r: dict) -> list[tuple[str, str, str]]:
    """The rows for BENCHMARKS.md from a run's result (what, figure, target)."""
    n = r["disputes"]
    base = f"web, PostgreSQL, {n:,} disputes"
    shapes = {
        "think": f"{base}, {CLIENTS} clients waiting 1 s",
        "saturate": f"{base}, {CLIENTS} clients back to back",
    }
    out = []
    for shape, what in shapes.items():
        for endpoint, label in LABELS.items():
            f = r["phases"][f"{endpoint}/{shape}"]
            target = TARGETS_MS[endpoint] if shape == "think" else None
            out.append(
                (
                    f"{what}: {label}: p95 ms (p50 ms, requests/s)",
                    f"{f['p95_ms']:.0f} ({f['p50_ms']:.0f}, {f['rps']:.1f}/s)",
                    f"≤ {target}" if target else "",
                )
            )
    cpu = {e: r["phases"][f"{e}/saturate"]["cpu_ms_per_request"] for e in LABELS}
    out.append(
        (
            f"{base}: CPU ms per request, gunicorn / PostgreSQL: list, case, dashboard, create",
            ", ".join(f"{cpu[e]['app']:.0f} / {cpu[e]['db']:.0f}" for e in LABELS),
            "",
        )
    )
    loads = [f["load_average"] for f in r["phases"].values()]
    out.append(
        (
            f"{base}: the machine's load average during the phases (others' work included)",
            f"{min(loads):.1f}–{max(loads):.1f}",
            "",
        )
    )
    single = statistics.median(r["single_ms"]["dashboard"])
    computed = statistics.median(r["dashboard_compute_ms"])
    bare = r["bare_sql"]["median_ms"]
    out += [
        (
            f"{base}: dashboard computed afresh (the selector, nothing shared), ms (median of 5)",
            f"{computed:.0f}",
            f"≤ {TARGETS_MS['dashboard']}",
        ),
        (f"{base}: dashboard page, one client, ms (median of 5)", f"{single:.0f}", ""),
        (f"{base}: bare open-by-level SQL for the county, ms (median of 5)", f"{bare:.1f}", ""),
        (f"{base}: dashboard computed afresh / bare SQL", f"{computed / bare:.1f}", ""),
        (
            f"{base}: seconds to build (generate, COPY, index, VACUUM ANALYZE)",
            f"{r['build']['seconds_total']:.0f}",
            "≤ 150",
        ),
    ]
    return out


def rows(
    disputes: int = DEFAULT_DISPUTES, *, seconds: float = PHASE_SECONDS
) -> list[tuple[str, str, str]]:
    """For `make bench` (bench/__main__.py): what, figure, target."""
    return table(run(disputes, seconds=seconds))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--disputes", type=int, default=DEFAULT_DISPUTES)
    parser.add_argument("--seconds", type=float, default=PHASE_SECONDS, help="per measured phase")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="print the whole result as JSON")
    parser.add_argument("--table", type=Path, help="print the rows of a saved result (JSON)")
    parser.add_argument("--prepare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.table:
        for what, figure, target in table(json.loads(args.table.read_text())):
            print(f"| {what} | {figure} | {target} |")
        return
    if args.prepare is not None:
        print(json.dumps(prepare(args.prepare, args.seed or 0)))
        return
    if args.json:
        print(json.dumps(run(args.disputes, seed=args.seed, seconds=args.seconds), indent=2))
        return
    for what, figure, target in rows(args.disputes, seconds=args.seconds):
        print(f"| {what} | {figure} | {target} |")


if __name__ == "__main__":
    main()
