"""`concord assess [FILE]`: grade texts with the engine the application uses (DESIGN §6).

Reads JSON lines {"id", "text", "answers"?, "history"?, "category"?, "people"?}; writes one line
{"id", "level", "score", "reasons"} per input. history may carry "reports_12m" and "mediation_failed".
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from concord.risk import engine, loader
from concord.risk.model import Inputs
from concord.risk.signals import text_signals


class Command(BaseCommand):
    help = "Grade dispute texts (JSON lines) with the risk engine; writes one JSON line per input."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="JSON lines; standard input when omitted")
        parser.add_argument(
            "--lang", choices=["zh", "en"], default="zh", help="language of the reasons"
        )

    def handle(self, *args, file=None, lang="zh", **options):
        instrument, rules = loader.current_instrument(), loader.current_ruleset()
        known = {item.code for item in instrument.items}
        stream = open(file, encoding="utf-8") if file else sys.stdin  # noqa: SIM115 - closed below
        try:
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    answers = {k: bool(v) for k, v in (record.get("answers") or {}).items()}
                    unknown = sorted(set(answers) - known)
                    if unknown:
                        raise ValueError(f"unknown answer codes {unknown}")
                    history = record.get("history") or {}
                    signals = text_signals(str(record.get("text", "")))
                    people = max(int(record.get("people") or 0), signals.people or 0) or None
                    result = engine.assess(
                        Inputs(
                            category=record.get("category"),
                            answers=answers,
                            flags=signals.flags,
                            people_involved=people,
                            reports_12m=int(history.get("reports_12m", 0)),
                            mediation_failed=bool(history.get("mediation_failed", False)),
                        ),
                        instrument,
                        rules,
                    )
                except (ValueError, TypeError, AttributeError) as exc:
                    raise CommandError(f"line {number}: {exc}") from exc
                reasons = [_reason_line(r, lang) for r in result.reasons]
                self.stdout.write(
                    json.dumps(
                        {
                            "id": record.get("id"),
                            "level": result.level,
                            "score": result.score,
                            "reasons": reasons,
                        },
                        ensure_ascii=False,
                    )
                )
        finally:
            if file:
                stream.close()


def _reason_line(reason, lang: str) -> str:
    text = reason.text_zh if lang == "zh" else reason.text_en
    if reason.kind == "rule":
        return f"规则 {reason.code}：{text}" if lang == "zh" else f"rule {reason.code}: {text}"
    return text
