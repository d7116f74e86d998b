"""`concord import-territory FILE`: load a county's unit tree from CSV or JSON (see importers)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from concord.territory import importers

# Below this many units the import is over before a progress line would help.
PROGRESS_MIN_ROWS = 300


class Command(BaseCommand):
    @property
    def help(self) -> str:  # argparse wants plain text, in the language active when it is shown
        return _(
            "Import the unit tree (bureau, stations, posts, villages, grids) from a CSV or JSON file. "
            "Existing units are updated; nothing is written unless every row is valid."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            help=_(
                "CSV with the header code,name,kind,parent_code[,boundary] (Chinese headers accepted), "
                "a JSON list of such objects, or a GeoJSON FeatureCollection."
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Check the whole file and report; write nothing."),
        )
        parser.add_argument(
            "--actor",
            metavar="USERNAME",
            help=_("The user the audit log records for the changes (default: system)."),
        )

    def handle(self, *args, file: str, dry_run: bool, actor: str | None, **options):
        user = None
        if actor:
            try:
                user = get_user_model().objects.get(username=actor)
            except get_user_model().DoesNotExist as exc:
                raise CommandError(
                    _("No user with the username “%(username)s”.") % {"username": actor}
                ) from exc
        try:
            result = importers.import_file(
                file, actor=user, dry_run=dry_run, progress=self._progress()
            )
        except importers.ImportFailed as exc:
            raise CommandError(importers.failure_report(exc)) from exc
        for line in importers.summary_lines(result):
            self.stdout.write(line)

    def _progress(self):
        if not self.stderr.isatty():
            return None

        def show(done: int, total: int) -> None:
            if total < PROGRESS_MIN_ROWS or (done % 50 and done != total):
                return
            self.stderr.write(
                "\r" + _("Importing units: %(done)s / %(total)s") % {"done": done, "total": total},
                ending="\n" if done == total else "",
            )
            self.stderr.flush()

        return show
