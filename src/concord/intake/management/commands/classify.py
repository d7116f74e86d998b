"""`concord classify [FILE]`: is each text a dispute, of which category, with which risk flags
(DESIGN §6).

Reads JSON lines ``{"id": ..., "text": "..."}`` from FILE (or standard input when FILE is omitted
or ``-``) and writes one JSON line per input, in input order:
``{"id", "is_dispute", "category", "confidence", "flags"}``. ``id`` is echoed as given (a string or
a number). Blank lines are skipped.

Input is read and classified in batches (``--batch-size``, default 2,000), each batch written as
soon as it is done and in input order, so memory stays constant whatever the input's size; with
``--jobs N`` N processes classify batches side by side (default 1 for this command, the cores up
to 4 for `concord classify`).

A malformed line (not UTF-8, not JSON, not an object, no ``id``, ``text`` not a string) stops the
run: every line before it has been written to standard output, then ``line N: reason`` goes to
standard error and the exit status is 2. The output is therefore always an exact prefix of the
answer, and a run can be resumed from line N.

`concord classify` runs the same code (concord/intake/classify_io.py) without setting Django up;
this command is what `manage.py classify` and `call_command` reach.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from concord.intake.classifier import get_classifier
from concord.intake.classify_io import EXIT_BAD_LINE, BadLine, classify_stream


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
        parser.add_argument(
            "--jobs",
            type=int,
            default=None,
            help="processes classifying batches at once (default 1 here; `concord classify`, "
            "which runs without Django, defaults to the cores, at most 4)",
        )

    def handle(self, *args, file=None, batch_size=2000, jobs=None, stdin=None, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        if jobs is not None and jobs < 1:
            raise CommandError("--jobs must be at least 1")
        classifier = get_classifier()
        opened = None
        if file and file != "-":
            try:
                opened = open(file, "rb")  # noqa: SIM115 - closed below
            except OSError as exc:
                raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        stream = opened or (stdin if stdin is not None else getattr(sys.stdin, "buffer", sys.stdin))
        try:
            classify_stream(classifier, stream, self._write, batch_size=batch_size, jobs=jobs or 1)
        except BadLine as exc:
            raise CommandError(str(exc), returncode=EXIT_BAD_LINE) from exc
        finally:
            if opened is not None:
                opened.close()

    def _write(self, lines: str) -> None:
        self.stdout.write(lines)
        self.stdout.flush()
