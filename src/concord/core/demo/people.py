"""Demo step: link the demo's parties to persons with the batch linkage, as an analyst would after
importing a county's old ledgers; later registrations link online to these persons."""

from collections import Counter, defaultdict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from concord.core.demo.base import CountRow, DemoContext, Section, Step, bilingual
from concord.disputes.models import Party
from concord.people.models import Person, PersonKey
from concord.people.services import _keys, gazetteer, party_record


def run_people(ctx: DemoContext) -> None:
    from concord.people.linkage import link_records, record_features

    parties = list(Party.objects.filter(person__isnull=True).order_by("pk"))
    if not parties:
        return
    gaz = gazetteer()
    records = [party_record(p) for p in parties]
    result = link_records(records, gazetteer=gaz)
    clusters: dict[str, list[int]] = defaultdict(list)
    for index, person_id in enumerate(result.person_ids):
        clusters[person_id].append(index)
    features = [record_features(r, gaz) for r in records]
    persons, members = [], []
    for indexes in clusters.values():
        names = Counter(features[i]["name"] or parties[i].name for i in indexes)
        ids = [features[i]["id_number"] for i in indexes if features[i]["id_valid"]]
        first = parties[indexes[0]]
        persons.append(
            Person(
                name=names.most_common(1)[0][0],
                id_number=ids[0] if ids else "",
                birth_date=first.birth_date,
                sex=first.sex,
            )
        )
        members.append(indexes)
    Person.objects.bulk_create(persons, batch_size=500)
    keys = []
    for person, indexes in zip(persons, members, strict=True):
        for i in indexes:
            parties[i].person = person
        wanted = set().union(*(_keys(features[i]) for i in indexes))
        keys += [PersonKey(person=person, kind=k, value=v[:80]) for k, v in wanted]
    Party.objects.bulk_update(parties, ["person"], batch_size=500)
    PersonKey.objects.bulk_create(keys, batch_size=1000, ignore_conflicts=True)
    ctx.created["people.persons"] += len(persons)
    ctx.created["people.linked"] += len(parties)


def count_people(ctx: DemoContext) -> Section:
    return Section(
        bilingual("人员关联", _("People")),
        [
            CountRow(
                "persons",
                bilingual("人员", gettext_lazy("Persons")),
                Person.objects.count(),
                ctx.created["people.persons"],
            ),
            CountRow(
                "linked",
                bilingual("已关联当事人", gettext_lazy("Parties linked")),
                Party.objects.filter(person__isnull=False).count(),
                ctx.created["people.linked"],
            ),
        ],
    )


PEOPLE = Step("people", run_people, count_people)
