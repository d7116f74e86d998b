"""`concord classify [FILE]`: is each text a dispute, of which category, with which risk flags
(DESIGN §6).

Reads JSON lines ``{"id": ..., "text": "..."}`` from FILE (or standard input when FILE is omitted
or ``-``) and writes one JSON line per input, in input order:
``{"id", "is_dispute", "category", "confidence", "flags"}``. ``id`` is echoed as given (a string or
a number). Blank lines are skipped.

Input is read and classified in batches (``--batch-size``, default 2,000), each batch written as
soon as it is done, so memory stays constant whatever the input's size.

A malformed line (not UTF-8, not JSON, not an object, no ``id``, ``text`` not a string) stops the
run: every line before it has been written to standard output, then ``line N: reason`` goes to
standard error and the exit status is 2. The output is therefore always an exact prefix of the
answer, and a run can be resumed from line N.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator

from django.core.management.base import BaseCommand, CommandError

from concord.intake.classifier import get_classifier

EXIT_BAD_LINE = 2


class BadLine(ValueError):
    pass


def _records(stream) -> Iterator[tuple[int, object, str]]:
    """(line number, id, text) per non-blank line; BadLine names the first malformed one."""
    for number, raw in enumerate(stream, start=1):
        if isinstance(raw, bytes):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BadLine(f"line {number}: not UTF-8 ({exc.reason})") from exc
        else:
            line = raw
        if number == 1:
            line = line.lstrip("\ufeff")
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadLine(f"line {number}: not JSON ({exc.msg})") from exc
        if not isinstance(record, dict):
            raise BadLine(f"line {number}: not a JSON object")
        if "id" not in record:
            raise BadLine(f"line {number}: no id")
        ident = record["id"]
        if isinstance(ident, bool) or not isinstance(ident, (str, int, float)):
            raise BadLine(f"line {number}: id must be a string or a number")
        text = record.get("text")
        if not isinstance(text, str):
            raise BadLine(f"line {number}: text must be a string")
        yield number, ident, text


class Command(BaseCommand):
    help = (
        "Classify texts (JSON lines {id, text}) as dispute or not, by category, with risk flags; "
        "writes one JSON line per input. A malformed line stops the run with exit status 2."
    )
    requires_system_checks: list[str] = []
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument(
            "file", nargs="?", help="JSON lines; standard input when omitted or '-'"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=2000,
            help="texts classified at once (default 2000)",
        )

    def handle(self, *args, file=None, batch_size=2000, stdin=None, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        classifier = get_classifier()
        opened = None
        if file and file != "-":
            try:
                opened = open(file, "rb")  # noqa: SIM115 - closed below
            except OSError as exc:
                raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        stream = opened or (stdin if stdin is not None else getattr(sys.stdin, "buffer", sys.stdin))
        batch: list[tuple[object, str]] = []
        try:
            for _, ident, text in _records(stream):
                batch.append((ident, text))
                if len(batch) >= batch_size:
                    self._write(classifier, batch)
                    batch = []
        except BadLine as exc:
            self._write(classifier, batch)
            raise CommandError(str(exc), returncode=EXIT_BAD_LINE) from exc
        finally:
            if opened is not None:
                opened.close()
        self._write(classifier, batch)

    def _write(self, classifier, batch: list[tuple[object, str]]) -> None:
        if not batch:
            return
        predictions = classifier.predict([text for _, text in batch])
        lines = [
            json.dumps(
                {
                    "id": ident,
                    "is_dispute": p.is_dispute,
                    "category": p.category,
                    "confidence": round(p.confidence, 4),
                    "flags": list(p.flags),
                },
                ensure_ascii=False,
            )
            for (ident, _), p in zip(batch, predictions, strict=True)
        ]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()
