"""`concord restore FILE [--yes]`: replace the database's content with a `concord backup` file.

Everything written since the backup is lost, so it asks first unless --yes is given.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils.translation import gettext as _

from concord.audit.services import audit_record
from concord.core.backups import BackupError, restore_database


class Command(BaseCommand):
    help = "Restore the database from a `concord backup` file (replaces everything in it)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup file.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help=_("Database alias."))

    def handle(self, *args, file, yes, database, **options):
        connection = connections[database]
        name = connection.settings_dict["NAME"]
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError(
                    _("Restoring replaces the whole database: add --yes to confirm.")
                )
            answer = input(
                _("Replace everything in %(name)s with %(file)s? Type yes to go on: ")
                % {"name": name, "file": file}
            )
            if answer.strip().lower() != "yes":
                raise CommandError(_("Restore cancelled."))
        try:
            restore_database(connection.settings_dict, file)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        # Written into the restored database: the log shows the gap the restore created.
        with transaction.atomic(using=database):
            audit_record(actor=None, action="core.restore", data={"source": str(file)})
        self.stdout.write(json.dumps({"restored": str(file), "vendor": connection.vendor}))
