"""`concord scan-calls FILE [--summary SUMMARY.json]`: police calls become leads (DESIGN §6).

The work is `concord.intake.scan`; this prints a progress line on a terminal, every bad row on
stderr, and the JSON summary on stdout (and in SUMMARY).
"""

import json
import os
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from concord.intake import scan

BAD_ROWS_SHOWN = 1000  # past this, only the count


class Command(BaseCommand):
    @property
    def help(self) -> str:  # argparse wants plain text, in the language active when it is shown
        return _(
            "Scan police call records (CSV or XLSX): each call that describes a dispute becomes a "
            "lead, classified, placed, linked to its caller and checked for repeats. Running the "
            "same file again creates no duplicate leads."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            help=_(
                "CSV or XLSX with the header call_id,received_at,caller_name,caller_phone,address,"
                "text (or 警情编号,报警时间,报警人,联系电话,发生地址,简要警情)."
            ),
        )
        parser.add_argument(
            "--summary", metavar="SUMMARY.json", help=_("Also write the JSON summary to this file.")
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=scan.BATCH_SIZE,
            help=_("Calls classified and written together (default %(default)s)."),
        )

    def handle(self, *args, file: str, summary: str | None, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError(_("--batch-size must be at least 1."))
        shown = 0

        def bad_row(row: int, message: str) -> None:
            nonlocal shown
            shown += 1
            if shown <= BAD_ROWS_SHOWN:
                self._clear_progress()
                self.stderr.write(_("row %(row)s: %(message)s") % {"row": row, "message": message})

        try:
            result, unplaced_rows = scan.scan_calls(
                file, batch_size=batch_size, progress=self._progress(), bad_row=bad_row
            )
        except scan.ScanError as exc:
            raise CommandError(str(exc)) from exc
        self._clear_progress()
        if shown > BAD_ROWS_SHOWN:
            self.stderr.write(_("… and %(n)s more bad rows.") % {"n": shown - BAD_ROWS_SHOWN})
        if result.unplaced:
            self.stderr.write(
                _(
                    "%(n)s dispute calls name no place in the county's territory, so no lead was "
                    "made for them (rows %(rows)s%(more)s)."
                )
                % {
                    "n": result.unplaced,
                    "rows": ", ".join(str(r) for r in unplaced_rows),
                    "more": ", …" if result.unplaced > len(unplaced_rows) else "",
                }
            )
        text = json.dumps(result.as_dict(), ensure_ascii=False)
        if summary:
            _write_atomically(Path(summary), text + "\n")
        self.stdout.write(text)

    # -- progress on a terminal -------------------------------------------------------------------

    _shown_progress = False

    def _progress(self):
        if not self.stderr.isatty():
            return None
        last = [0.0]

        def show(rows: int, seconds: float) -> None:
            now = time.monotonic()
            if now - last[0] < 0.2:
                return
            last[0] = now
            rate = rows / seconds if seconds > 0 else 0
            line = _("Scanning calls: %(rows)s rows, %(rate)s rows/s") % {
                "rows": f"{rows:,}",
                "rate": f"{rate:,.0f}",
            }
            self.stderr.write(f"\r{line}\033[K", style_func=_plain, ending="")
            self.stderr.flush()
            self._shown_progress = True

        return show

    def _clear_progress(self) -> None:
        if self._shown_progress:
            self.stderr.write("\r\033[K", style_func=_plain, ending="")
            self._shown_progress = False


def _plain(text: str) -> str:
    return text


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
