"""The demo county (`concord load-demo`): a county modelled on Huaiyang, Zhoukou, with its territory,
an account for every role at every tier and the three tiers of responsibility.

`plan_county(seed)` computes it in memory; `load_demo(seed=…)` writes what is missing and returns a
`DemoReport`; `render_report` prints one. New builder steps go into `loader.STEPS`.
"""

from concord.core.demo.base import CountRow, DemoConflict, DemoContext, Section, Step
from concord.core.demo.county import (
    BUREAU_CODE,
    BUREAU_NAME,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DEMO_SINCE,
    CountyPlan,
    plan_county,
)
from concord.core.demo.loader import STEPS, Account, DemoReport, load_demo, render_report

__all__ = [
    "BUREAU_CODE",
    "BUREAU_NAME",
    "DEFAULT_SEED",
    "DEMO_PASSWORD",
    "DEMO_SINCE",
    "STEPS",
    "Account",
    "CountRow",
    "CountyPlan",
    "DemoConflict",
    "DemoContext",
    "DemoReport",
    "Section",
    "Step",
    "load_demo",
    "plan_county",
    "render_report",
]
