"""`concord load-demo [--seed N]`: the demo county, loaded idempotently."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from concord.core.demo import DEFAULT_SEED, DemoConflict, load_demo, render_report


class Command(BaseCommand):
    help = gettext_lazy(
        "Load the demo county (modelled on Huaiyang, Zhoukou): its stations, posts, villages and grids, "
        "an account for every role and who is responsible where. Running it again creates nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=gettext_lazy("Random seed for names and sizes (default %(default)s)."),
        )

    def handle(self, *args, seed: int, **options):
        try:
            report = load_demo(seed=seed)
        except DemoConflict as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(render_report(report))
        if not report.created:
            self.stdout.write(_("Nothing was missing: the demo county was already loaded."))
