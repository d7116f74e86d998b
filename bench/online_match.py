"""`python -m bench.online_match --persons N`: how long the online matcher takes to link a newly
registered party in a county of N persons (issue 11: p95 ≤ 50 ms at 1,000,000), and whether it still
links the right person at that size.

Build. A fresh SQLite file (var/bench/online-match.sqlite3) is migrated with `concord migrate`; a
child process then writes the demo county's territory (the units `bench.people_generator` draws its
villages from, so addresses resolve to village codes as they do in the field) and N persons drawn
from one seed by `bench.people_generator`'s person model: households, spouses sharing a phone and
an address, the village's family name, common names; each person with the generator's number of
records, each record written with the generator's noise. A record is stored as registration stores
a party (`disputes.services._clean_party`: no spaces in the name; an ID number only when valid, in
18 digits, with the sex and birth date it carries; an ID the form would refuse is left out, as the
worker typing it would have to; an empty name, which the form refuses, becomes "某某"), two parties
to a dispute, every record linked to its true person (a perfectly linked county), and a person's
blocking keys (`people.PersonKey`) are the union of its records' keys, computed with Concord's own
normalisers as `people.services._keys(record_features(...))` computes them (a sample of records is
checked against that very function; the build fails on a difference). The person row is what
`party_link` makes of the person's first record.

How it is fast enough: the generator's people are one random stream, drawn in the build process;
every CHUNK of them is handed, through fork, to a worker that writes their records, parties and
keys into an SQLite file of its own while the next chunk is drawn (each chunk with random
generators seeded from the seed and its number, so the result does not depend on the number of
workers); finished chunks are copied into the main file with `INSERT … SELECT` in one transaction
each. Meanwhile another worker writes the disputes into the main file (their number fixed in
advance from the generator's mean number of records; party j belongs to dispute
(j - 1) mod D + 1). The big tables' secondary indexes are dropped for the load and made again from
the migrations' own SQL afterwards; `ANALYZE` runs last, and the file goes back to WAL.

Timing. In a fresh child with Django set up on the file, each query record is registered as a
dispute with one party (untimed), then `people.services.party_link` — what registration calls for
every party — is timed in-process, its writes (a new person, keys, a review pair, the audit row)
included. The queries: half are new noisy records of persons in the county (the generator's noise:
homophones, a missing or mistyped ID, a reformatted or the spouse's phone, a partial address…),
half are people of the same model who are not in it. 20 warm-up queries first, then 1,000 timed.
Reported: p50 / p95 / max ms (wall, and the process's CPU time, which does not depend on what else
the machine runs), SQL queries per match, and the outcomes against the truth: linked to the right
person / to a wrong one / sent to review / made a new person. The run fails unless at least
MIN_LINKED_RIGHT of the existing persons' records link to the right person.

    python -m bench.online_match --persons 50000
    python -m bench.online_match --persons 1000000 [--keep]
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
from contextlib import contextmanager
from dataclasses import dataclass

from bench.scan import OUT, _concord, _env, _sidecars, child_json

DEFAULT_PERSONS = 1_000_000
DATABASE = OUT / "online-match.sqlite3"
QUERIES_FILE = OUT / "online-match-queries.json"
TARGET_MS = 50
QUERIES = 1_000
WARM_UP = 20
CHUNK = 50_000  # persons per build worker's chunk
KEY_CHECK_SHARE = 0.002  # of the records whose keys are checked against Concord's own function
# Big tables whose secondary indexes are dropped during the load and recreated after it (the
# disputes' too, by the worker that writes them).
BIG_TABLES = ("disputes_party", "people_person", "people_personkey")
# Of the existing persons' new records, at least this share must link to the right person: a
# matcher that matches nothing (or anyone) is fast, and worthless.
MIN_LINKED_RIGHT = 0.6


def _django():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
    django.setup()


# ---------------------------------------------------------------------------------------------
# Records as registration stores them, and their blocking keys


class Normaliser:
    """Generated records as registration stores them, and their blocking keys, with what is costly
    memoised (names, addresses, ID numbers, phones and dates repeat across records)."""

    def __init__(self, gazetteer):
        from concord.people.identity import InvalidIdNumber, parse_id_number
        from concord.people.normalise import (
            normalise_birth_date,
            normalise_name,
            normalise_phones,
            parse_address,
            pinyin_key,
        )

        self.gazetteer = gazetteer
        self.pinyins: dict[str, str] = {}
        self.villages: dict[str, str | None] = {}
        self._ids: dict[str, tuple | None] = {}
        self._births: dict[str, dt.date | None] = {}
        self._phones: dict[str, list[str]] = {}
        self._invalid, self._parse_id = InvalidIdNumber, parse_id_number
        self._birth, self._normalise_name, self._pinyin_key = (
            normalise_birth_date,
            normalise_name,
            pinyin_key,
        )
        self._parse_address, self._normalise_phones = parse_address, normalise_phones

    def clean(self, name: str, id_number: str, phone: str, address: str, birth: str, sex: str):
        """A generated record as `disputes.services._clean_party` would store it: (name,
        id_number, phone, address, sex, birth_date). An ID number the form refuses is left out
        (the worker drops it to save the case); a birth date or sex that contradicts a valid ID
        yields to the ID; an empty name, which the form refuses, becomes "某某"."""
        born = self._births.get(birth, False)
        if born is False:
            born = self._births[birth] = self._birth(birth)
        stored_id = ""
        if id_number.strip():
            parsed = self._ids.get(id_number, False)
            if parsed is False:
                try:
                    found = self._parse_id(id_number)
                except self._invalid:
                    parsed = None
                else:
                    parsed = (found.number, found.sex, found.birth_date)
                self._ids[id_number] = parsed
            if parsed is not None:
                stored_id, sex, born = parsed
        return (
            "".join(name.split()) or "某某",
            stored_id,
            phone.strip(),
            address.strip(),
            sex,
            born,
        )

    def pinyin(self, name: str) -> str:
        key = self.pinyins.get(name)
        if key is None:
            key = self.pinyins[name] = self._pinyin_key(self._normalise_name(name))
        return key

    def village(self, address: str) -> str | None:
        village = self.villages.get(address, False)
        if village is False:
            village = self.villages[address] = self._parse_address(address, self.gazetteer).village
        return village

    def keys(self, name, id_number, phone, address, born) -> set[tuple[str, str]]:
        """The stored party's keys, as `people.services._keys(record_features(...))` makes them."""
        keys = set()
        if id_number:  # stored only when valid, in its 18-digit form
            keys.add(("id", id_number))
        phones = self._phones.get(phone)
        if phones is None:
            phones = self._phones[phone] = self._normalise_phones(phone)
        for number in phones:
            keys.add(("phone", number))
        pinyin = self.pinyin(name)
        if pinyin:
            village = self.village(address)
            if village:
                keys.add(("name_village", f"{pinyin}|{village}"[:80]))
            if born:
                keys.add(("name_birth", f"{pinyin}|{born:%Y%m%d}"[:80]))
        return keys


def _concord_keys(name, id_number, phone, address, born, gazetteer) -> set[tuple[str, str]]:
    """What Concord's matcher itself computes for the same stored party."""
    from concord.people.linkage.features import record_features
    from concord.people.services import _keys

    record = {
        "name": name,
        "id_number": id_number,
        "phone": phone,
        "address": address,
        "birth_date": born.isoformat() if born else "",
    }
    return {(str(k), v[:80]) for k, v in _keys(record_features(record, gazetteer))}


# ---------------------------------------------------------------------------------------------
# Build


def _write_record(writer, person, places) -> tuple[str, str, str, str, str]:
    """One noisy record of a person, as `generate_records` writes one (the fallback phone of an
    untraceable record is drawn from the writer's own generator here)."""
    from bench import people_generator as pg

    name, id_number = writer.name(person), writer.id_number(person)
    phone, address = writer.phone(person), writer.address(person, places)
    birth_date = writer.birth_date(person)
    if not (id_number or phone) and (not address or pg._unnamed(name)):
        phone = writer._format_phone(writer.rng.choice(person.phones))
    return name, id_number, phone, address, birth_date


def _insert_units(db, now: str) -> dict[str, int]:
    from bench.people_generator import demo_unit_rows

    ids: dict[str, int] = {}
    rows = []
    for code, name, kind, path in demo_unit_rows():
        ids[code] = len(ids) + 1
        parent = path.strip("/").split("/")[-2] if kind != "bureau" else None
        rows.append((ids[code], code, name, kind, path, ids[parent] if parent else None, now, now))
    db.executemany(
        "INSERT INTO territory_unit (id, code, name, kind, path, parent_id, is_active, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
        rows,
    )
    return ids


# The rows of one chunk of persons (ids given).
_CHUNK_TABLES = {
    "people_person": "id, name, id_number, created_at, birth_date, is_active, sex",
    "disputes_party": (
        "id, role, name, id_number, phone, address, sex, birth_date, dispute_id, person_id"
    ),
    "people_personkey": "person_id, kind, value",
}


def expected_disputes(n: int) -> int:
    """Disputes for n persons' records, two parties to a dispute: fixed before the people are
    drawn (from the generator's mean number of records), so they can be written meanwhile."""
    from bench import people_generator as pg

    counts, weights = pg._RECORD_COUNTS, pg._RECORD_WEIGHTS
    mean = sum(c * w for c, w in zip(counts, weights, strict=True)) / sum(weights)
    return max(1, round(n * mean / 2))


@dataclass(frozen=True)
class _Chunk:
    """Persons [lo, hi) of the county, with their parties from party id `party0` + 1."""

    index: int
    lo: int
    hi: int
    party0: int
    path: str


@dataclass(frozen=True)
class _Shared:
    """What every worker needs (inherited through fork, never pickled)."""

    seed: int
    stamp: str
    people: list
    places: tuple
    normaliser: Normaliser  # its name and address memos grow as finished chunks are copied in
    n_disputes: int  # party j belongs to dispute (j - 1) % n_disputes + 1
    grids: list  # (grid id, station id)
    categories: list
    user_id: int
    n_parties: list  # records per person, in order


def _chunk_worker(shared: _Shared, chunk: _Chunk) -> None:
    """Write one chunk's persons, parties and keys into an SQLite file of its own."""
    import sqlite3

    from bench import people_generator as pg
    from concord.people.normalise import normalise_name

    seed, k = shared.seed, chunk.index
    writer = pg._Writer(random.Random(f"{seed}:records:{k}"))
    check = random.Random(f"{seed}:check:{k}")
    norm = shared.normaliser
    known_pinyins, known_villages = len(norm.pinyins), len(norm.villages)
    n_disputes = shared.n_disputes
    persons, parties, key_rows = [], [], []
    checked = 0
    party_id = chunk.party0
    for pk in range(chunk.lo + 1, chunk.hi + 1):
        person = shared.people[pk - 1]
        person_keys: set[tuple[str, str]] = set()
        for r in range(person.records):
            record = _write_record(writer, person, shared.places)
            name, id_number, phone, address, sex, born = norm.clean(*record, person.sex)
            born_s = born.isoformat() if born else None
            party_id += 1
            turn, dispute = divmod(party_id - 1, n_disputes)
            role = ("applicant", "respondent")[turn] if turn < 2 else "other"
            party = (party_id, role, name, id_number, phone, address, sex, born_s)
            parties.append((*party, dispute + 1, pk))
            found = norm.keys(name, id_number, phone, address, born)
            if check.random() < KEY_CHECK_SHARE:
                expected = _concord_keys(name, id_number, phone, address, born, norm.gazetteer)
                if found != expected:
                    raise AssertionError(f"keys differ from Concord's for {record}: {found}")
                checked += 1
            person_keys |= found
            if r == 0:  # the person as `party_link` creates it from its first record
                shown = normalise_name(name) if norm.pinyin(name) else name
                persons.append((pk, shown, id_number, shared.stamp, born_s, 1, sex))
        key_rows.extend((pk, kind, value) for kind, value in sorted(person_keys))
    if os.path.exists(chunk.path):
        os.unlink(chunk.path)
    db = sqlite3.connect(chunk.path, isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("BEGIN")
    for table, columns in _CHUNK_TABLES.items():
        db.execute(f"CREATE TABLE {table} ({columns})")
    db.execute("CREATE TABLE meta (checked, keys, cpu)")
    db.execute("CREATE TABLE pinyins (name, pinyin)")
    db.execute("CREATE TABLE villages (address, village)")
    for table, rows in (
        ("people_person", persons),
        ("disputes_party", parties),
        ("people_personkey", key_rows),
    ):
        marks = ", ".join("?" * len(_CHUNK_TABLES[table].split(",")))
        db.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    # What this chunk learnt, for the chunks forked after it is copied in.
    db.executemany("INSERT INTO pinyins VALUES (?, ?)", list(norm.pinyins.items())[known_pinyins:])
    db.executemany(
        "INSERT INTO villages VALUES (?, ?)", list(norm.villages.items())[known_villages:]
    )
    db.execute("INSERT INTO meta VALUES (?, ?, ?)", (checked, len(key_rows), time.process_time()))
    db.execute("COMMIT")
    db.close()


def _disputes_worker(shared: _Shared, path: str, cpu) -> None:
    """Write the disputes the parties belong to straight into the main file, while the people are
    drawn and written elsewhere (the main file is not touched until this is done): rows first, then
    the table's indexes as the migrations define them, in one transaction. Nothing reads other
    records' disputes while matching; they are there because every party belongs to one."""

    rng = random.Random(f"{shared.seed}:disputes")
    now = dt.datetime.fromisoformat(shared.stamp)
    span = 5 * 365 * 86400
    grids, categories, user = shared.grids, shared.categories, shared.user_id

    def rows():
        for d in range(1, shared.n_disputes + 1):
            found = str(now - dt.timedelta(seconds=rng.random() * span))
            grid, station = grids[rng.randrange(len(grids))]
            category = categories[d % len(categories)]
            yield (d, f"OM{d:08d}", category, grid, station, found, user, found, found, found)

    db = _connect(path)
    db.execute("BEGIN")
    indexes = _drop_indexes(db, ("disputes_dispute",))
    db.executemany(
        "INSERT INTO disputes_dispute (id, case_number, title, category_id, description, grid_id,"
        " station_id, found_at, channel, people_involved, level, status, handling_tier,"
        " outcome_note, transferred_to, registered_by_id, closed_at, created_at, updated_at,"
        " version) VALUES (?, ?, '基准纠纷', ?, '', ?, ?, ?, 'grid_report', 2, 'yellow', 'closed',"
        " 'village', '', '', ?, ?, ?, ?, 1)",
        rows(),
    )
    for sql in indexes:
        db.execute(sql)
    db.execute("COMMIT")
    db.close()
    cpu.value = time.process_time()


def _connect(path: str):
    """A connection for building: no journal (a failed build is thrown away; the file goes back
    to WAL, as Concord runs it, at the end), no syncing, a big page cache."""
    import sqlite3

    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-262144")  # 256 MiB
    return db


def _drop_indexes(db, tables: tuple[str, ...]) -> list[str]:
    """Drop the secondary indexes of these tables (not their UNIQUE ones): their SQL, to make them
    again once the rows are in (building an index at once beats keeping it up row by row)."""
    found = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({', '.join('?' * len(tables))})",
        tables,
    ).fetchall()
    for name, _sql in found:
        db.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in found]


def _ingest(db, chunk: _Chunk, norm: Normaliser) -> tuple[int, int, float]:
    """Copy a finished chunk's rows into the main file (in SQLite, no Python per row), and what
    its worker learnt of names and addresses into this process's memos."""
    db.execute("ATTACH DATABASE ? AS chunk", (chunk.path,))
    db.execute("BEGIN")
    for table, columns in _CHUNK_TABLES.items():
        db.execute(
            f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM chunk.{table}"
            " ORDER BY rowid"
        )
    checked, n_keys, cpu = db.execute("SELECT checked, keys, cpu FROM chunk.meta").fetchone()
    norm.pinyins.update(db.execute("SELECT name, pinyin FROM chunk.pinyins"))
    norm.villages.update(db.execute("SELECT address, village FROM chunk.villages"))
    db.execute("COMMIT")
    db.execute("DETACH DATABASE chunk")
    os.unlink(chunk.path)
    return checked, n_keys, cpu


class _Phases:
    """Wall and CPU seconds (of this process) per phase of the build."""

    def __init__(self):
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - wall
            self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - cpu


def populate(n: int, seed: int, workers: int | None = None) -> dict:
    """The county and n persons in DATABASE (run in a child: DATABASE_URL names the file).

    The people are drawn here, in one sequence (the generator's households are one random stream);
    each chunk of CHUNK persons is then written by a forked worker, which inherits them, while the
    next chunk's people are drawn, and finished chunks are copied into the file in order. Another
    worker writes the disputes meanwhile. Every chunk has random generators of its own, seeded from
    the seed and its number, so the file does not depend on how many workers ran."""
    import gc
    import multiprocessing
    import resource

    _django()
    from django.db import connection

    from bench import people_generator as pg
    from concord.accounts.models import Role, User
    from concord.disputes.models import Category
    from concord.people.normalise import gazetteer_from_units
    from concord.territory.models import Unit

    workers = workers or max(1, min(2, os.cpu_count() or 1))
    phase = _Phases()
    started = time.perf_counter()
    path = os.environ["DATABASE_URL"].removeprefix("sqlite:///")
    with phase("units"):
        stamp = str(dt.datetime.now(dt.UTC).replace(tzinfo=None))
        db = _connect(path)
        db.execute("BEGIN")
        unit_ids = _insert_units(db, stamp)
        db.execute("COMMIT")
        bureau = Unit.objects.get(kind="bureau")
        user = User.objects.create(
            username="bench-online", role=Role.STATION_CHIEF, scope_unit=bureau
        )
        categories = list(Category.objects.filter(parent=None).values_list("id", flat=True))
        connection.close()
        units = pg.demo_unit_rows()
        station_of = {c: p.strip("/").split("/")[1] for c, _, k, p in units if k == "grid"}
        indexes = _drop_indexes(db, BIG_TABLES)
        places = pg.demo_places()
        norm = Normaliser(gazetteer_from_units(units))
        # Load pypinyin's dictionary and OpenCC's tables here, once, for every worker to inherit.
        norm.keys("張偉", "", "138 0013 8000", "白楼镇张庄村3组", dt.date(1980, 1, 1))
        norm.pinyins.clear(), norm.villages.clear()

    rng = random.Random(f"{seed}:people")
    generator = pg._People(rng, places)
    people = generator.people
    shared = _Shared(
        seed=seed,
        stamp=stamp,
        people=people,
        places=places,
        normaliser=norm,
        n_disputes=expected_disputes(n),
        grids=[(unit_ids[g], unit_ids[s]) for g, s in station_of.items()],
        categories=categories,
        user_id=user.pk,
        n_parties=[],
    )
    fork = multiprocessing.get_context("fork")
    disputes_cpu = fork.Value("d", 0.0)
    disputes = fork.Process(target=_disputes_worker, args=(shared, path, disputes_cpu))
    db.close()  # no connection crosses a fork; the worker has the file to itself for now
    disputes.start()
    db = None
    running: list[tuple[_Chunk, multiprocessing.Process]] = []
    checked = n_keys = party0 = 0
    worker_cpu = 0.0

    def finish_oldest() -> None:
        nonlocal checked, n_keys, worker_cpu, db
        chunk, process = running.pop(0)
        with phase("waiting for workers"):
            if db is None:  # the main file is the disputes worker's until it is done
                disputes.join()
                db = _connect(path)
            process.join()
        for name, done in (("the disputes", disputes), (f"chunk {chunk.index}", process)):
            if done.exitcode != 0:
                raise RuntimeError(f"{name} failed (exit code {done.exitcode})")
        with phase("copying chunks in"):
            c, k, cpu = _ingest(db, chunk, norm)
        checked, n_keys, worker_cpu = checked + c, n_keys + k, worker_cpu + cpu

    for index, lo in enumerate(range(0, n, CHUNK)):
        hi = min(lo + CHUNK, n)
        target = hi + (2 * QUERIES if hi == n else 0)  # people outside the county, for queries
        with phase("drawing people"):
            while len(people) < target:
                before = len(people)
                generator.household()
                for person in people[before:]:
                    person.records = rng.choices(pg._RECORD_COUNTS, weights=pg._RECORD_WEIGHTS)[0]
                    shared.n_parties.append(person.records)
        chunk = _Chunk(index, lo, hi, party0, f"{path}.chunk{index}")
        party0 += sum(shared.n_parties[lo:hi])
        while len(running) >= workers:
            finish_oldest()
        gc.freeze()  # the workers inherit the people: keep the collector off their pages
        process = fork.Process(target=_chunk_worker, args=(shared, chunk))
        process.start()
        running.append((chunk, process))
    while running:
        finish_oldest()
    with phase("creating indexes"):
        db.execute("BEGIN")
        for sql in indexes:
            db.execute(sql)
        db.execute("COMMIT")
    with phase("analyze"):
        db.execute("ANALYZE")
        db.execute("PRAGMA journal_mode=WAL")
        db.close()
    with phase("queries"):
        queries = _queries(people, n, places, seed, norm)
        QUERIES_FILE.write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return {
        "seconds_populate": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(sum(u.ru_utime + u.ru_stime for u in (own, children)), 1),
        "seconds": {k: round(v, 1) for k, v in phase.wall.items()},
        "cpu_seconds_here": {k: round(v, 1) for k, v in phase.cpu.items()},
        "cpu_seconds_chunk_workers": round(worker_cpu, 1),
        "cpu_seconds_disputes_worker": round(disputes_cpu.value, 1),
        "persons": n,
        "parties": party0,
        "disputes": shared.n_disputes,
        "keys": n_keys,
        "keys_checked_against_concord": checked,
        "workers": workers,
    }


def _queries(people, n: int, places, seed: int, norm: Normaliser) -> list[dict]:
    """WARM_UP + QUERIES records to register: half new records of persons in the county (truth:
    their person id), half of people who are not in it (truth: None), shuffled."""
    from bench import people_generator as pg

    total = WARM_UP + QUERIES
    pick = random.Random(f"{seed}:queries")
    writer = pg._Writer(random.Random(f"{seed}:query-records"))
    existing = [(i + 1, people[i]) for i in pick.sample(range(n), total // 2)]
    new = [(None, p) for p in people[n : n + total - total // 2]]
    chosen = existing + new
    pick.shuffle(chosen)
    out = []
    for truth, person in chosen:
        record = _write_record(writer, person, places)
        name, id_number, phone, address, sex, born = norm.clean(*record, person.sex)
        out.append(
            {
                "truth": truth,
                "village": person.place.village_code,
                "party": {
                    "name": name,
                    "id_number": id_number,
                    "phone": phone,
                    "address": address,
                    "sex": sex,
                    "birth_date": born.isoformat() if born else None,
                },
            }
        )
    return out


# ---------------------------------------------------------------------------------------------
# Timing


def time_matches() -> dict:
    """Register each query's party and time `party_link` on it (in a fresh child)."""
    _django()
    from django.db import connection
    from django.utils import timezone

    from concord.accounts.models import User
    from concord.disputes.models import Category, Dispute, Party
    from concord.people.models import Person
    from concord.people.services import party_link
    from concord.territory.models import Unit

    queries = json.loads(QUERIES_FILE.read_text(encoding="utf-8"))
    user = User.objects.get(username="bench-online")
    category = Category.objects.filter(parent=None).first()
    grid_of: dict[str, Unit] = {}
    for grid in Unit.objects.filter(kind="grid").order_by("path"):
        grid_of.setdefault(grid.path.strip("/").split("/")[3], grid)
    stations = {u.code: u for u in Unit.objects.filter(kind="station")}
    persons_before = Person.objects.count()
    count = [0]

    def counting(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    times, cpu_times, n_queries, outcomes = [], [], [], []
    for i, query in enumerate(queries):
        grid = grid_of[query["village"]]
        now = timezone.now()
        dispute = Dispute.objects.create(
            case_number=f"OMQ{i:06d}",
            title="基准登记",
            category=category,
            grid=grid,
            station=stations[grid.path.strip("/").split("/")[1]],
            found_at=now,
            channel="grid_report",
            level="yellow",
            status="registered",
            handling_tier="village",
            registered_by=user,
        )
        fields = dict(query["party"])
        born = fields.pop("birth_date")
        party = Party.objects.create(
            dispute=dispute,
            role="applicant",
            birth_date=dt.date.fromisoformat(born) if born else None,
            **fields,
        )
        count[0] = 0
        with connection.execute_wrapper(counting):
            started, cpu = time.perf_counter(), time.process_time()
            outcome = party_link(party=party, actor=user)
            ms = (time.perf_counter() - started) * 1000
            cpu_ms = (time.process_time() - cpu) * 1000
        if i < WARM_UP:
            continue
        times.append(ms)
        cpu_times.append(cpu_ms)
        n_queries.append(count[0])
        if outcome.linked:
            kind = "right" if outcome.person.pk == query["truth"] else "wrong"
        else:
            kind = "review" if outcome.review is not None else "new"
        outcomes.append((query["truth"] is not None, kind, round(outcome.probability, 4)))

    def shares(existing: bool) -> dict[str, float]:
        kinds = [k for e, k, _ in outcomes if e == existing]
        return {
            k: round(kinds.count(k) / len(kinds), 4) for k in ("right", "wrong", "review", "new")
        }

    q = statistics.quantiles(times, n=100, method="inclusive")
    cpu_q = statistics.quantiles(cpu_times, n=100, method="inclusive")
    return {
        "persons_in_db": persons_before,
        "queries": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(q[94], 2),
        "p99_ms": round(q[98], 2),
        "max_ms": round(max(times), 2),
        "mean_ms": round(statistics.fmean(times), 2),
        # CPU time of the process in the call: what the wall figures would be on an idle machine,
        # less the waits for the disk.
        "cpu_p50_ms": round(statistics.median(cpu_times), 2),
        "cpu_p95_ms": round(cpu_q[94], 2),
        "queries_per_match_median": statistics.median(n_queries),
        "queries_per_match_max": max(n_queries),
        "existing": shares(True),
        "new": shares(False),
        "n_existing": sum(1 for e, _, _ in outcomes if e),
    }


# ---------------------------------------------------------------------------------------------
# Driver


def _clean() -> None:
    chunks = DATABASE.parent.glob(DATABASE.name + ".chunk*")
    for path in (DATABASE, *_sidecars(DATABASE), QUERIES_FILE, *chunks):
        path.unlink(missing_ok=True)


def _child(*args: str, env: dict) -> dict:
    return child_json("bench.online_match", *args, env=env)


def run(n: int = DEFAULT_PERSONS, *, seed: int | None = None, keep: bool = False) -> dict:
    from bench.people_generator import DEFAULT_SEED

    seed = DEFAULT_SEED if seed is None else seed
    OUT.mkdir(parents=True, exist_ok=True)
    _clean()
    env = _env(DATABASE)
    try:
        started = time.perf_counter()
        subprocess.run(_concord("migrate", "--noinput", "-v0"), env=env, check=True)
        migrate_seconds = time.perf_counter() - started
        built = _child("--populate", str(n), "--seed", str(seed), env=env)
        built["seconds"]["migrate"] = round(migrate_seconds, 1)
        built["seconds_total"] = round(time.perf_counter() - started, 1)
        built["db_mib"] = round(DATABASE.stat().st_size / 2**20)
        timed = _child("--time", env=env)
    finally:
        if not keep:
            _clean()
    result = {"build": built, "match": timed}
    (OUT / f"online-match-{n}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    existing = timed["existing"]
    if existing["right"] < MIN_LINKED_RIGHT:
        raise AssertionError(
            f"only {existing['right']:.1%} of the existing persons' new records linked to them"
        )
    return result


def rows(persons: int = DEFAULT_PERSONS) -> list[tuple[str, str, str]]:
    """For `make bench` (bench/__main__.py): what, figure, target."""
    r = run(persons)
    build, m = r["build"], r["match"]
    what = f"online match, {persons:,} persons"
    e, new = m["existing"], m["new"]
    return [
        (f"{what}: p50 / p95 ms", f"{m['p50_ms']:.1f} / {m['p95_ms']:.1f}", f"p95 ≤ {TARGET_MS}"),
        (
            f"{what}: p50 / p95 CPU ms of the process (independent of the machine's other load)",
            f"{m['cpu_p50_ms']:.1f} / {m['cpu_p95_ms']:.1f}",
            "",
        ),
        (
            f"{what}: max ms; SQL queries per match, median / max",
            f"{m['max_ms']:.0f}; {m['queries_per_match_median']:.0f} / {m['queries_per_match_max']}",
            "",
        ),
        (
            f"{what}: existing persons' new records: linked right / wrong / review / new",
            f"{e['right']:.3f} / {e['wrong']:.3f} / {e['review']:.3f} / {e['new']:.3f}",
            f"right ≥ {MIN_LINKED_RIGHT}",
        ),
        (
            f"{what}: people not in the county: new / review / linked (wrongly)",
            f"{new['new']:.3f} / {new['review']:.3f} / {new['wrong']:.3f}",
            "",
        ),
        (
            f"{what}: seconds to build (migrate + generate + insert + ANALYZE)",
            f"{build['seconds_total']:.0f}",
            "≤ 120",
        ),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=DEFAULT_PERSONS)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help=f"keep {DATABASE.name} afterwards")
    parser.add_argument("--populate", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--time", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.populate is not None:
        from bench.people_generator import DEFAULT_SEED

        seed = DEFAULT_SEED if args.seed is None else args.seed
        print(json.dumps(populate(args.populate, seed)))
        return
    if args.time:
        print(json.dumps(time_matches()))
        return
    print(json.dumps(run(args.persons, seed=args.seed, keep=args.keep), indent=2))


if __name__ == "__main__":
    main()
