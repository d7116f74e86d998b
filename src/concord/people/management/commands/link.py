"""`concord link INPUT.csv --output OUT.csv`: which records are the same person (DESIGN §6).

INPUT has the header `record_id,name,id_number,phone,address,birth_date` (any field may be empty,
text as people typed it; UTF-8 with or without BOM, or GB18030). OUT gets `record_id,person_id`,
one row per input record in input order; records judged to be one person share a person_id.

The database is read only for the territory, to resolve addresses to villages; without one,
addresses are compared as normalised text.
"""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from concord.people.linkage.batch import link_records
from concord.people.linkage.csvio import InputError, read_records, write_person_ids
from concord.people.linkage.model import BACKENDS, DEFAULT_THRESHOLD, load_model
from concord.people.normalise import Gazetteer, gazetteer_from_db


class Command(BaseCommand):
    help = "Link person records (CSV) into people; writes record_id,person_id."

    def add_arguments(self, parser):
        parser.add_argument(
            "input", help="CSV with record_id,name,id_number,phone,address,birth_date"
        )
        parser.add_argument("--output", required=True, help="CSV to write record_id,person_id to")
        parser.add_argument(
            "--threshold",
            type=float,
            default=DEFAULT_THRESHOLD,
            help=f"match probability at which two records are one person (default {DEFAULT_THRESHOLD})",
        )
        parser.add_argument("--model", help="a model JSON other than the shipped one")
        parser.add_argument(
            "--backend",
            choices=BACKENDS,
            help="Splink backend (default: setting CONCORD_LINKAGE_BACKEND or duckdb)",
        )

    def handle(self, *args, **options):
        source, output, threshold = options["input"], options["output"], options["threshold"]
        model, backend = options.get("model"), options.get("backend")
        if not 0 < threshold < 1:
            raise CommandError("--threshold must be between 0 and 1")
        interactive = sys.stderr.isatty()

        def progress(message: str) -> None:
            if interactive:
                self.stderr.write(f"concord link: {message}", style_func=str)

        started = time.perf_counter()
        try:
            records = read_records(source)
        except FileNotFoundError as exc:
            raise CommandError(f"{source}: no such file") from exc
        except InputError as exc:
            raise CommandError(f"{source}: {exc}") from exc
        progress(f"read {len(records)} records from {source}")
        gazetteer = self._territory()
        progress(
            f"territory: {len(gazetteer.villages)} villages"
            if gazetteer
            else "no territory in the database: addresses are compared as text"
        )
        try:
            result = link_records(
                records,
                gazetteer=gazetteer or None,
                model=load_model(model) if model else None,
                threshold=threshold,
                backend=backend,
                progress=progress,
            )
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        write_person_ids(output, [r["record_id"] for r in records], result.person_ids)
        progress(
            f"{len(records)} records → {result.people} people in {time.perf_counter() - started:.1f} s; "
            f"wrote {output}"
        )

    @staticmethod
    def _territory() -> Gazetteer:
        try:
            return gazetteer_from_db()
        except DatabaseError:  # no database or no tables yet: link without the territory
            return Gazetteer()
