"""The pieces every demo builder step shares: the run's context, a step, a line of the report."""

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concord.core.demo.county import CountyPlan


class DemoConflict(Exception):
    """The database holds something the demo cannot be loaded over (e.g. a county from another seed)."""


@dataclass
class DemoContext:
    """What one run of the loader knows; each step reads it and adds to it.

    `unit_ids` and `user_ids` map the demo's codes and usernames to primary keys once the rows exist,
    so later steps (disputes, leads, mediation…) can attach to them without querying again.
    `created` counts the rows this run created, keyed "<step>.<key>" (e.g. "units.grid").
    """

    seed: int
    plan: "CountyPlan"
    unit_ids: dict[str, int] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    created: Counter[str] = field(default_factory=Counter)

    def rng(self, stream: str) -> random.Random:
        """A random stream of its own for each step, so adding a step never changes the others."""
        return random.Random(f"{self.seed}:{stream}")


@dataclass(frozen=True)
class CountRow:
    """One line of the report: how many there are now and how many this run created."""

    key: str
    label: str
    total: int
    created: int


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[CountRow]


@dataclass(frozen=True)
class Step:
    """A builder step: `run` creates what is missing, `count` reports the totals afterwards."""

    name: str
    run: Callable[[DemoContext], None]
    count: Callable[[DemoContext], Section]


def bilingual(zh: str, label: object) -> str:
    """ "网格员 Grid worker": the Chinese term first, then the translated label unless it says the same."""
    text = str(label)
    return zh if zh in text else f"{zh} {text}"
