"""A case on its way through mediation: a township committee serving the east station, with two
mediators, and a yellow case assigned to the east sector's officer."""

from dataclasses import dataclass

import pytest

from concord.accounts.models import User
from concord.disputes import services as dispute_services
from concord.disputes.models import Dispute
from concord.mediation.models import MediationBody
from tests.factories import County, mediation_body, mediator, register_dispute


@dataclass
class Mediation:
    body: MediationBody
    mediator: User
    second_mediator: User
    dispute: Dispute  # assigned to the east officer, ready to be referred


def assigned_case(county: County, *, level: str = "yellow") -> Dispute:
    b = county.east
    d = register_dispute(b, level=level, description="两家因排水沟堵塞争吵")
    d = dispute_services.dispute_assess(
        actor=b.officer,
        dispute=d,
        expected_version=d.version,
        level=level,
        reasons=["口角，无暴力"],
        lead_leader=county.commander if level == "red" else None,
    )
    owner = b.officer if level == "yellow" else b.chief
    assigner = (
        b.officer if level == "yellow" else (b.chief if level == "orange" else county.commander)
    )
    return dispute_services.dispute_assign(
        actor=assigner, dispute=d, expected_version=d.version, owner=owner
    )


@pytest.fixture
def mediation(county) -> Mediation:
    first = mediator(county.east.station, display_name="王调解")
    second = mediator(county.east.station, display_name="赵调解")
    body = mediation_body(county.east.station, members=[first, second])
    return Mediation(body, first, second, assigned_case(county))
