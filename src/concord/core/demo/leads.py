"""Demo step: leads from every channel in the last fortnight — repeats about open cases ("一人多报"),
fresh reports and non-disputes — some already triaged, the rest waiting in the lead pool."""

import datetime as dt
import json
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from concord.accounts.models import Role, User
from concord.core.demo.base import CountRow, DemoContext, Section, Step, bilingual
from concord.disputes.models import Category, Channel, Dispute, Status
from concord.intake.models import Lead
from concord.intake.services import (
    LeadInput,
    lead_attach,
    lead_create,
    lead_dismiss,
    lead_register_dispute,
)
from concord.territory.models import Unit, UnitKind

CORPUS = Path(__file__).resolve().parents[2] / "intake" / "corpus"
STYLE_CHANNEL = {
    "police_call": Channel.POLICE_CALL,
    "grid_report": Channel.GRID_REPORT,
    "hotline": Channel.HOTLINE,
    "walk_in": Channel.WALK_IN,
}
OTHER_CHANNELS = (
    Channel.PATROL_VISIT,
    Channel.PETITION,
    Channel.REFERRAL,
    Channel.CAMPAIGN,
    Channel.API,
)
FRESH, REPEATS = 120, 40


def _corpus_texts() -> list[dict]:
    rows = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        rows += [
            json.loads(line)
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
    return [r for r in rows if r.get("split") == "train"]


def _register_counts() -> dict[str, int]:
    from concord.disputes.models import DisputeEvent, Party, Task
    from concord.people.models import Person

    return {
        "disputes.disputes": Dispute.objects.count(),
        "disputes.parties": Party.objects.count(),
        "disputes.events": DisputeEvent.objects.count(),
        "disputes.tasks": Task.objects.count(),
        "people.persons": Person.objects.count(),
        "people.linked": Party.objects.filter(person__isnull=False).count(),
    }


def run_leads(ctx: DemoContext) -> None:
    if Lead.objects.filter(source_system="demo").exists():
        return
    rng = ctx.rng("leads")
    now = timezone.now()
    grids = list(Unit.objects.filter(kind=UnitKind.GRID).order_by("code"))
    chiefs = {u.scope_unit_id: u for u in User.objects.filter(role=Role.STATION_CHIEF)}
    categories = {c.code: c for c in Category.objects.filter(parent__isnull=True)}
    texts = _corpus_texts()
    rng.shuffle(texts)
    made = []
    for n, row in enumerate(texts[:FRESH]):
        channel = (
            STYLE_CHANNEL.get(row["style"], Channel.POLICE_CALL)
            if n % 6
            else rng.choice(OTHER_CHANNELS)
        )
        lead = lead_create(
            actor=None,
            data=LeadInput(
                channel=channel,
                text=row["text"],
                grid=rng.choice(grids),
                received_at=now - dt.timedelta(minutes=rng.randint(10, 14 * 24 * 60)),
                source_ref=f"demo-{n:04d}",
                source_system="demo",
            ),
        )
        made.append(lead)
    open_cases = list(
        Dispute.objects.exclude(status=Status.CLOSED)
        .exclude(parties__phone="")
        .select_related("grid")
        .order_by("pk")
        .distinct()
    )
    for n, dispute in enumerate(rng.sample(open_cases, min(REPEATS, len(open_cases)))):
        party = dispute.parties.exclude(phone="").first()
        lead_create(
            actor=None,
            data=LeadInput(
                channel=rng.choice((Channel.POLICE_CALL, Channel.HOTLINE, Channel.WALK_IN)),
                text=f"{party.name}反映：{dispute.title}，近日双方再次发生争吵，要求尽快处理",
                reporter_name=party.name,
                reporter_phone=party.phone,
                grid=dispute.grid,
                received_at=now - dt.timedelta(minutes=rng.randint(10, 7 * 24 * 60)),
                source_ref=f"demo-repeat-{n:03d}",
                source_system="demo",
            ),
        )
    # A third of the fresh leads are already triaged by their station chief; the cases that makes
    # are reported with the register's and the people's counts.
    before = _register_counts()
    for lead in made[::3]:
        chief = chiefs.get(lead.station_id)
        if chief is None:
            continue
        if not lead.is_dispute:
            lead_dismiss(
                actor=chief, lead=lead, reason=_("Not a dispute: handed to the duty team.")
            )
        elif lead.repeat_of_id and lead.repeat_of.status != Status.CLOSED:
            lead_attach(actor=chief, lead=lead, dispute=lead.repeat_of)
        elif lead.category in categories:
            lead_register_dispute(
                actor=chief,
                lead=lead,
                title=lead.text[:30],
                category=categories[lead.category],
                grid=lead.grid,
                level=lead.level or "yellow",
            )
    for key, n in _register_counts().items():
        ctx.created[key] += n - before[key]
    demo = Lead.objects.filter(source_system="demo")
    ctx.created["leads.leads"] += demo.count()
    ctx.created["leads.waiting"] += demo.filter(state=Lead.State.NEW, is_dispute=True).count()
    ctx.created["leads.repeats"] += demo.filter(repeat_of__isnull=False).count()


def count_leads(ctx: DemoContext) -> Section:
    leads = Lead.objects.filter(source_system="demo")
    return Section(
        bilingual("线索池", _("Lead pool")),
        [
            CountRow(
                "leads",
                bilingual("线索", gettext_lazy("Leads")),
                leads.count(),
                ctx.created["leads.leads"],
            ),
            CountRow(
                "waiting",
                bilingual("待研判", gettext_lazy("Awaiting triage")),
                leads.filter(state=Lead.State.NEW, is_dispute=True).count(),
                ctx.created["leads.waiting"],
            ),
            CountRow(
                "repeats",
                bilingual("疑似重复", gettext_lazy("Repeats of open cases")),
                leads.filter(repeat_of__isnull=False).count(),
                ctx.created["leads.repeats"],
            ),
        ],
    )


LEADS = Step("leads", run_leads, count_leads)
