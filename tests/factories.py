"""Factories for tests: a small county tree and users at every tier."""

import datetime as dt
from dataclasses import dataclass

import factory

from concord.accounts.models import Role, User
from concord.territory.geometry import rectangle
from concord.territory.models import PARENT_KIND, UNIT_KIND_TIER, Responsibility, Unit, UnitKind


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:05d}")
    name = factory.Sequence(lambda n: f"单位{n}")
    kind = UnitKind.BUREAU
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        parent = kwargs.get("parent")
        kwargs["path"] = f"{parent.path if parent else '/'}{kwargs['code']}/"
        boundary = kwargs.get("boundary")
        if boundary:
            from concord.territory.geometry import bbox

            kwargs["min_lng"], kwargs["min_lat"], kwargs["max_lng"], kwargs["max_lat"] = bbox(
                boundary
            )
        return super()._create(model_class, *args, **kwargs)


def child_unit(parent: Unit, kind: str, **kwargs) -> Unit:
    assert PARENT_KIND[kind] == parent.kind
    return UnitFactory(parent=parent, kind=kind, **kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.GRID_WORKER
    password = factory.PostGenerationMethodCall("set_password", "Concord-test-2026")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def responsible(
    user: User, unit: Unit, since: dt.date = dt.date(2026, 1, 1), until=None
) -> Responsibility:
    return Responsibility.objects.create(
        user=user, unit=unit, tier=UNIT_KIND_TIER[unit.kind], since=since, until=until
    )


@dataclass
class Branch:
    """One line of the tree, bureau to grid, with the person responsible at each tier."""

    station: Unit
    post: Unit
    village: Unit
    grid: Unit
    chief: User
    officer: User
    auxiliary: User
    grid_worker: User


@dataclass
class County:
    bureau: Unit
    commander: User
    east: Branch
    west: Branch


def make_branch(bureau: Unit, label: str, origin: float) -> Branch:
    station = child_unit(bureau, UnitKind.STATION, name=f"{label}派出所")
    post = child_unit(station, UnitKind.POST, name=f"{label}警务室")
    village = child_unit(post, UnitKind.VILLAGE, name=f"{label}村")
    grid = child_unit(
        village,
        UnitKind.GRID,
        name=f"{label}村第一网格",
        boundary=rectangle(origin, 33.70, origin + 0.01, 33.71),
    )
    chief = UserFactory(role=Role.STATION_CHIEF, scope_unit=station)
    officer = UserFactory(role=Role.COMMUNITY_OFFICER, scope_unit=post)
    auxiliary = UserFactory(role=Role.AUXILIARY, scope_unit=village)
    grid_worker = UserFactory(role=Role.GRID_WORKER, scope_unit=grid)
    responsible(officer, post)
    responsible(auxiliary, village)
    responsible(grid_worker, grid)
    return Branch(station, post, village, grid, chief, officer, auxiliary, grid_worker)


def make_county() -> County:
    bureau = UnitFactory(kind=UnitKind.BUREAU, name="测试区公安分局")
    commander = UserFactory(role=Role.BUREAU_COMMANDER, scope_unit=bureau)
    return County(
        bureau, commander, make_branch(bureau, "东", 114.80), make_branch(bureau, "西", 114.90)
    )


def register_dispute(
    branch: Branch,
    *,
    actor: User | None = None,
    level: str = "yellow",
    category: str = "neighbour",
    title: str = "排水沟纠纷",
    **kwargs,
):
    """A dispute registered through the service, as a grid worker would."""
    from concord.disputes.models import Category
    from concord.disputes.services import PartyInput, dispute_register

    parties = kwargs.pop(
        "parties",
        [PartyInput(name="张三", role="applicant"), PartyInput(name="李四", role="respondent")],
    )
    return dispute_register(
        actor=actor or branch.grid_worker,
        title=title,
        category=Category.objects.get(code=category),
        grid=branch.grid,
        level=level,
        parties=parties,
        **kwargs,
    )


def mediation_body(
    serves: Unit, *, name: str = "东镇人民调解委员会", kind: str = "township_committee", members=()
):
    """A mediation body serving `serves`, with the given mediators (users of role mediator)."""
    from concord.mediation.models import MediationBody

    body = MediationBody.objects.create(name=name, kind=kind)
    body.serves.add(serves)
    body.members.add(*members)
    return body


def mediator(unit: Unit, **kwargs) -> User:
    return UserFactory(role=Role.MEDIATOR, scope_unit=unit, **kwargs)


def make_closure_ready(dispute, actor: User, *, outcome_note: str = "双方和解"):
    """Give a case what closure needs, as if recorded earlier: an outcome and the level's visits,
    the last one finding both the matter and the grievance settled."""
    import datetime as dt

    from django.utils import timezone

    from concord.disputes.models import Dispute, DisputeEvent, LevelPolicy
    from concord.mediation.models import FollowUpVisit

    at = timezone.now() - dt.timedelta(days=40)
    Dispute.objects.filter(pk=dispute.pk).update(outcome_note=outcome_note)
    DisputeEvent.objects.create(
        dispute=dispute, actor=actor, at=at, action="record_outcome", note=outcome_note
    )
    required = LevelPolicy.objects.get(level=dispute.level).visits_after_outcome
    for n in range(required):
        FollowUpVisit.objects.create(
            dispute=dispute,
            visited_at=at + dt.timedelta(days=n + 1),
            visited_by=actor,
            method="phone",
            met_with="双方",
            matter_settled=True,
            grievance_settled=True,
            note="回访正常",
        )
    dispute.refresh_from_db()
    return dispute
