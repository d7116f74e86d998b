"""`concord export-ledger --output FILE.xlsx [--unit CODE] [--from DATE] [--to DATE]` (DESIGN §6).

The standard ledger (concord.reporting.ledger_export) of the disputes found in the period, under the
unit. The export is recorded for a user and sees what that user sees: `--actor USERNAME`, by default
the first active administrator (whose area is the whole county), as `concord import-ledger` does.
Personal data is masked; `--unmasked --reason TEXT` writes it in full, for analysts, administrators
and bureau commanders only, and the audit row says so and why.

A progress bar on a terminal; at the end the JSON summary {"rows", "output", "seconds"} on stdout.
"""

import datetime as dt
import json
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from concord.accounts.models import Role
from concord.accounts.scope import can_see_unit
from concord.disputes.selectors import DisputeFilters
from concord.reporting.ledger_export import LedgerExportRefused, ledger_export
from concord.territory.models import Unit

BAR_WIDTH = 30


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(
            _("“%(value)s” is not a date; write it as 2024-05-01.") % {"value": text}
        ) from exc


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Export the dispute ledger (台账) as an Excel workbook with the headers of GB/T "
            "31000-2015 and Concord's own; `concord import-ledger` reads it back. Personal data is "
            "masked unless --unmasked is given with a reason."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", required=True, metavar="FILE.xlsx", help=_("The workbook to write.")
        )
        parser.add_argument(
            "--unit", metavar="CODE", help=_("Only disputes in this unit's area (its code).")
        )
        parser.add_argument(
            "--from",
            dest="found_from",
            metavar="DATE",
            help=_("Only disputes found on or after this day (2024-05-01)."),
        )
        parser.add_argument(
            "--to",
            dest="found_to",
            metavar="DATE",
            help=_("Only disputes found on or before this day (2024-05-31)."),
        )
        parser.add_argument(
            "--actor",
            metavar="USERNAME",
            help=_(
                "The user the export is recorded for; it holds what they may see (default: the "
                "first active administrator)."
            ),
        )
        parser.add_argument(
            "--unmasked",
            action="store_true",
            help=_(
                "Write ID numbers and phones in full (analysts, administrators and bureau "
                "commanders only; needs --reason; audited)."
            ),
        )
        parser.add_argument(
            "--reason", default="", help=_("Why personal data is exported unmasked.")
        )

    def handle(self, *args, output: str, unit, found_from, found_to, actor, **options):
        user = self._actor(actor)
        path = Path(output)
        if path.suffix.lower() != ".xlsx":
            raise CommandError(_("The output must be an .xlsx file: %(path)s") % {"path": path})
        if not path.parent.is_dir():
            raise CommandError(
                _("The folder for the output does not exist: %(path)s") % {"path": path.parent}
            )
        filters = DisputeFilters(
            unit=self._unit(user, unit) if unit else "",
            found_from=_date(found_from) if found_from else None,
            found_to=_date(found_to) if found_to else None,
        )
        if filters.found_from and filters.found_to and filters.found_from > filters.found_to:
            raise CommandError(_("--from is after --to."))
        started = time.perf_counter()
        try:
            result = ledger_export(
                actor=user,
                filters=filters,
                output=path,
                progress=self._progress(),
                unmasked=options["unmasked"],
                reason=options["reason"],
                via="command",
            )
        except LedgerExportRefused as exc:
            raise CommandError(str(exc)) from exc
        summary = {
            "rows": result.rows,
            "output": str(path),
            "seconds": round(time.perf_counter() - started, 2),
        }
        self.stdout.write(json.dumps(summary, ensure_ascii=False))

    def _actor(self, username: str | None):
        users = get_user_model().objects.filter(is_active=True, scope_unit__isnull=False)
        if username:
            user = users.filter(username=username).select_related("scope_unit").first()
            if user is None:
                raise CommandError(
                    _("No active user with the username “%(username)s” and a scope.")
                    % {"username": username}
                )
            return user
        user = users.filter(role=Role.ADMIN).select_related("scope_unit").order_by("pk").first()
        if user is None:
            raise CommandError(
                _("There is no active administrator to record the export for; use --actor.")
            )
        return user

    def _unit(self, user, code: str) -> str:
        unit = Unit.objects.filter(code=code.strip()).first()
        if unit is None:
            raise CommandError(_("No unit with the code “%(code)s”.") % {"code": code})
        if not can_see_unit(user, unit):
            raise CommandError(
                _("%(unit)s lies outside the area of %(user)s.") % {"unit": unit, "user": user}
            )
        return unit.code

    def _progress(self):
        if not self.stderr.isatty():
            return None
        last = [0.0]

        def show(done: int, total: int) -> None:
            now = time.monotonic()
            if done < total and now - last[0] < 0.2:
                return
            last[0] = now
            filled = BAR_WIDTH * done // max(total, 1)
            self.stderr.write(
                "\r[" + "#" * filled + "." * (BAR_WIDTH - filled) + f"] {done:,}/{total:,}",
                ending="\n" if done >= total else "",
            )
            self.stderr.flush()

        return show
