"""`concord import-ledger FILE.xlsx [--dry-run] [--report REPORT.json]` (DESIGN §6).

Good rows are imported, bad rows are rejected with the row and the column named, all in one
transaction. Exits 0 whenever the file was read, rejected rows or not (stderr says so); non-zero when
the file cannot be read as a ledger at all.
"""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from concord.accounts.models import Role
from concord.intake.ledger_import import (
    IMPORT_ROLES,
    LedgerImportRefused,
    LedgerUnreadable,
    ledger_import,
)

BAR_WIDTH = 30


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Import a station's dispute ledger (台账) from an Excel workbook. Good rows are imported "
            "and bad rows rejected, naming the row and the column; a row imported before is not "
            "imported again."
        )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("The ledger workbook (.xlsx)."))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Check every row and report; write nothing."),
        )
        parser.add_argument(
            "--report",
            metavar="REPORT.json",
            help=_("Write the report (rows_total, imported, rejected, warnings) to this file."),
        )
        parser.add_argument(
            "--actor",
            metavar="USERNAME",
            help=_(
                "The user the import is recorded for; their scope limits the grids rows may go "
                "to (default: the first active administrator)."
            ),
        )

    def handle(self, *args, file: str, dry_run: bool, report: str | None, actor: str | None, **kw):
        user = self._actor(actor)
        report_path = Path(report) if report else None
        if report_path is not None and not report_path.parent.is_dir():
            raise CommandError(
                _("The folder for the report does not exist: %(path)s")
                % {"path": report_path.parent}
            )
        try:
            result = ledger_import(
                actor=user, path_or_file=file, dry_run=dry_run, progress=self._progress()
            )
        except LedgerUnreadable as exc:
            raise CommandError(
                _("%(file)s was not imported: %(reason)s") % {"file": file, "reason": exc}
            ) from exc
        except LedgerImportRefused as exc:
            raise CommandError(str(exc)) from exc
        if report_path is not None:
            report_path.write_text(
                json.dumps(result.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
        for entry in result.rejected:
            self.stderr.write(_("Rejected: %(reason)s") % {"reason": entry.message})
        for entry in result.warnings:
            self.stderr.write(_("Warning: %(message)s") % {"message": entry.message})
        self.stdout.write(result.summary())
        if result.rejected:
            self.stderr.write(
                _(
                    "%(count)s row(s) were rejected and nothing of them was written; correct them in "
                    "the ledger and import it again (rows already imported are skipped)."
                )
                % {"count": len(result.rejected)}
            )

    def _actor(self, username: str | None):
        users = get_user_model().objects.filter(is_active=True, scope_unit__isnull=False)
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(
                    _("No active user with the username “%(username)s” and a scope.")
                    % {"username": username}
                )
            if user.role not in IMPORT_ROLES:
                raise CommandError(_("%(username)s may not import ledgers.") % {"username": user})
            return user
        user = users.filter(role=Role.ADMIN).order_by("pk").first()
        if user is None:
            raise CommandError(
                _("There is no active administrator to record the import for; use --actor.")
            )
        return user

    def _progress(self):
        if not self.stderr.isatty():
            return None

        def show(done: int, total: int) -> None:
            filled = BAR_WIDTH * done // max(total, 1)
            self.stderr.write(
                "\r[" + "#" * filled + "." * (BAR_WIDTH - filled) + f"] {done}/{total}",
                ending="\n" if done == total else "",
            )
            self.stderr.flush()

        return show
