"""`concord retention [--days N] [--apply] [--actor USERNAME]`: pseudonymise old closed cases.

A dry run by default: prints the JSON report of what would change and writes nothing. `--apply`
does it (concord.audit.retention), audited under the actor (the system when none is given).
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.audit.retention import retention_apply, retention_days, retention_plan

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Pseudonymise the parties of cases closed long ago (a dry run unless --apply)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Age after closure, in days (default: settings.CONCORD_RETENTION_DAYS).",
        )
        parser.add_argument("--apply", action="store_true", help="Change the records.")
        parser.add_argument("--actor", help="Username the audit log records the run under.")

    def handle(self, *args, days=None, apply=False, actor=None, **options):
        days = retention_days() if days is None else days
        if days < 1:
            raise CommandError(_("--days must be at least 1."))
        user = None
        if actor:
            from concord.accounts.models import User

            try:
                user = User.objects.get(username=actor, is_active=True)
            except User.DoesNotExist as exc:
                raise CommandError(_("No active user %(username)s.") % {"username": actor}) from exc
        now = timezone.now()
        if apply:
            report = retention_apply(actor=user, now=now, days=days, progress=self._progress())
        else:
            report = retention_plan(now=now, days=days, progress=self._progress())
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))

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
