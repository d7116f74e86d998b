"""`concord run-due-jobs [--at ISO-TIME]` (DESIGN §6): every periodic job once, as if the clock read
ISO-TIME (now by default); a JSON summary on stdout. Running it twice for the same time sends
nothing twice."""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.notify.jobs import run_due_jobs


def parse_moment(text: str) -> dt.datetime:
    """An ISO 8601 date-time; one without a UTC offset is on the bureau's clock."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise CommandError(
            _("--at: “%(value)s” is not an ISO date-time such as 2026-03-02T08:00+08:00.")
            % {"value": text}
        ) from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


class Command(BaseCommand):
    help = "Run every periodic job once (deadlines, escalations, reminders, digests, briefs)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--at",
            metavar="ISO-TIME",
            help="Run as if the clock read this time (default: now).",
        )
        parser.add_argument(
            "--no-deliver",
            action="store_true",
            help="Create the notifications but leave e-mail and SMS to the worker.",
        )

    def handle(self, *args, **options):
        now = parse_moment(options["at"]) if options["at"] else timezone.now()
        summary = run_due_jobs(now=now, deliver=not options["no_deliver"])
        self.stdout.write(json.dumps(summary, ensure_ascii=False, sort_keys=True))
        if summary["errors"]:
            raise CommandError(
                _("Some jobs failed: %(jobs)s") % {"jobs": ", ".join(sorted(summary["errors"]))}
            )
