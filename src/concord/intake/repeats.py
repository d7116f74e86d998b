"""一地多报、一人多报、一事多报: is a new report about something already known?

Two questions, each with a single-lead function (a lead taken in one at a time) and a bulk form
(`concord scan-calls`, thousands of calls a batch) that give the same answers:

* `open_dispute_repeated` / `OpenDisputeIndex.match` — which OPEN dispute (any status but closed)
  the report seems to repeat, and why: the same person is a party to it (linked `Party.person`), a
  party has the same phone, it is in the same village or grid with the same category and was found
  within 90 days, or its title and description read almost the same (character-bigram Jaccard
  ≥ 0.5 against the open disputes of the same station). The reasons are translatable sentences
  naming the case number.

* `reports_in_12_months` / `ReportCounter.counts` — how many dispute reports there were about the
  same person, phone or address in the twelve months up to the report (the report included): dispute
  leads (`Lead.is_dispute`) and disputes (by their parties), a dispute registered from a lead counting
  once. Three or more raise the `repeat` flag (risk rule `repeat_12m_orange`).

  "The same address" is the same specific address in the same village: the address as typed, with
  whitespace tidied, holding a door, room or household number ("张庄村3组45号", "锦绣小区3号楼2单元
  301室"). A village alone is not an address: the demo county's villages see several disputes a
  year each, so counting by village would flag nearly every report as a repeat. An address without
  a number ("张庄村", "白楼镇政府门口") is not compared at all. The village comes from the address
  (the territory's gazetteer), else from the lead's grid or the dispute's grid.

Phones are compared in their normalised national form (`people.normalise.normalise_phone`);
`Lead.reporter_phone` is looked up by exact value, so writers should store it normalised (the scan
does).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from math import ceil
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext, gettext_noop

from concord.disputes.models import OPEN_STATUSES, Dispute, Party
from concord.intake.models import Lead
from concord.people.models import PersonKey
from concord.people.normalise import clean_text, halfwidth, normalise_phone, normalise_phones

REPORT_WINDOW = dt.timedelta(days=365)
PLACE_WINDOW = dt.timedelta(days=90)
SIMILAR_AT_LEAST = 0.5  # character-bigram Jaccard of "the same matter"
REPEAT_REPORTS_AT_LEAST = 3  # mirrors rules-1.json repeat_12m_orange (the engine decides)

SAME_PERSON = "same_person"
SAME_PHONE = "same_phone"
SAME_PLACE = "same_place"
SAME_MATTER = "same_matter"
# English source strings, translated when shown; %(case)s is the case number.
REASON_MESSAGES = {
    SAME_PERSON: gettext_noop("the same person is a party to case %(case)s"),
    SAME_PHONE: gettext_noop("the same phone number belongs to a party to case %(case)s"),
    SAME_PLACE: gettext_noop("the same place, same category, case %(case)s"),
    SAME_MATTER: gettext_noop("almost the same description as case %(case)s"),
}
# How much each reason says about being the same dispute: the strongest match wins.
REASON_WEIGHT = {SAME_PERSON: 8, SAME_PHONE: 4, SAME_MATTER: 2, SAME_PLACE: 1}


# --- reasons and matches -------------------------------------------------------------------------


@dataclass(frozen=True)
class RepeatReason:
    code: str  # same_person | same_phone | same_place | same_matter
    case_number: str

    def __str__(self) -> str:
        """The reason in the active language."""
        return gettext(REASON_MESSAGES[self.code]) % {"case": self.case_number}

    def as_dict(self) -> dict[str, str]:
        """For storing (Lead.repeat_reasons): the code, the case, and the English source text;
        `reason_text` renders it again in any language."""
        return {
            "code": self.code,
            "case_number": self.case_number,
            "text": REASON_MESSAGES[self.code] % {"case": self.case_number},
        }


def reason_text(stored: dict[str, str] | str) -> str:
    """A stored reason (a dict from `RepeatReason.as_dict`, or a plain string) in the active language."""
    if isinstance(stored, str):
        return stored
    if stored.get("code") in REASON_MESSAGES:
        return str(RepeatReason(stored["code"], stored.get("case_number", "")))
    return str(stored.get("text", ""))


@dataclass(frozen=True)
class RepeatMatch:
    dispute: Dispute
    reasons: tuple[RepeatReason, ...]  # str(reason) is the translated sentence

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    def texts(self) -> list[str]:
        return [str(r) for r in self.reasons]

    def stored_reasons(self) -> list[dict[str, str]]:
        return [r.as_dict() for r in self.reasons]


def _best(found: dict[int, set[str]], disputes: dict[int, Dispute]) -> RepeatMatch | None:
    """The open dispute with the strongest reasons (then the most recently found, then the newest)."""
    if not found:
        return None

    def strength(dispute_id: int) -> tuple:
        d = disputes[dispute_id]
        return (sum(REASON_WEIGHT[c] for c in found[dispute_id]), d.found_at, d.pk)

    best = max(found, key=strength)
    dispute = disputes[best]
    codes = sorted(found[best], key=lambda c: -REASON_WEIGHT[c])
    return RepeatMatch(dispute, tuple(RepeatReason(c, dispute.case_number) for c in codes))


# --- text similarity -----------------------------------------------------------------------------


def bigrams(text: str | None) -> frozenset[str]:
    """Character bigrams of the text, normalised (half-width, simplified, no punctuation)."""
    cleaned = clean_text(text)
    if len(cleaned) < 2:
        return frozenset({cleaned}) if cleaned else frozenset()
    return frozenset(cleaned[i : i + 2] for i in range(len(cleaned) - 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def dispute_text(title: str, description: str) -> str:
    return f"{title}。{description}"


# --- addresses -----------------------------------------------------------------------------------

_DOOR = re.compile(r"\d+\s*(?:号|室|户)")


def tidy_address(raw: str | None) -> str:
    """The address as typed, trimmed and with runs of whitespace made one space (what the scan
    stores in Lead.address, and what "the same address" compares)."""
    return " ".join(str(raw or "").split())[:200]


def specific_address(raw: str | None) -> str:
    """The tidied address when it names a door, room or household ("3组45号", "2单元301室"),
    else "" (a village, a road or a landmark is not one address)."""
    tidy = tidy_address(raw)
    return tidy if tidy and _DOOR.search(halfwidth(tidy)) else ""


_DOOR_TAIL = re.compile(r"\d+(?:村民小组|小组|组|队|号|排|栋|幢|单元)")


def place_key(address: str) -> str:
    """The part of an address that can name a place: "张庄村3组45号" → "张庄村". `parse_address`
    cuts a group or door number and all after it, so the place read from the key is the place read
    from the whole address, and a cache keyed by it holds about one entry per village and way of
    writing it, not one per door."""
    for i, char in enumerate(address):
        if char.isdigit():
            if i and _DOOR_TAIL.match(halfwidth(address[i:])):
                return address[:i]
            break
    return address


def _gazetteer():
    from concord.people.services import gazetteer

    return gazetteer()


class _Places:
    """Address → village code through the gazetteer, cached (bounded)."""

    def __init__(self, gazetteer=None, size: int = 65536) -> None:
        from concord.people.normalise import parse_address

        gaz = gazetteer if gazetteer is not None else _gazetteer()

        @lru_cache(maxsize=size)
        def village_of_key(key: str) -> str | None:
            return parse_address(key, gaz).village

        self.village = lambda address: village_of_key(place_key(address))


@lru_cache(maxsize=16384)
def _phones(raw: str) -> tuple[str, ...]:
    return tuple(normalise_phones(raw))


# --- which open dispute does a report repeat -----------------------------------------------------


def _open() -> Q:
    return Q(status__in=list(OPEN_STATUSES))


def _station_of_unit(*, grid_id: int | None, village_code: str | None) -> int | None:
    from concord.territory.models import Unit, UnitKind

    unit = None
    if grid_id:
        unit = Unit.objects.filter(pk=grid_id).only("path").first()
    if unit is None and village_code:
        unit = Unit.objects.filter(code=village_code).only("path").first()
    if unit is None:
        return None
    return (
        Unit.objects.filter(code__in=unit.path_codes, kind=UnitKind.STATION)
        .values_list("pk", flat=True)
        .first()
    )


def open_dispute_repeated(
    *,
    reporter_person_id: int | None,
    reporter_phone: str,
    address_village_code: str | None,
    grid_id: int | None,
    category: str,
    text: str,
    at: dt.datetime,
) -> RepeatMatch | None:
    """The open dispute this one report seems to repeat, with the reasons, or None.

    A few indexed queries; the phone is compared with every open dispute's parties' phones after
    normalising them (parties keep their phones as typed)."""
    found: dict[int, set[str]] = defaultdict(set)
    if reporter_person_id:
        for dispute_id in Party.objects.filter(
            person_id=reporter_person_id, dispute__status__in=list(OPEN_STATUSES)
        ).values_list("dispute_id", flat=True):
            found[dispute_id].add(SAME_PERSON)
    phone = normalise_phone(reporter_phone)
    if phone:
        rows = (
            Party.objects.filter(dispute__status__in=list(OPEN_STATUSES))
            .exclude(phone="")
            .values_list("dispute_id", "phone")
        )
        for dispute_id, raw in rows:
            if phone in _phones(raw):
                found[dispute_id].add(SAME_PHONE)
    if category and (grid_id or address_village_code):
        place = Q(grid_id=grid_id) if grid_id else Q(pk__in=[])
        if address_village_code:
            place |= Q(grid__parent__code=address_village_code)
        for dispute_id in (
            Dispute.objects.filter(_open(), place, category__code=category)
            .filter(found_at__gte=at - PLACE_WINDOW, found_at__lte=at + PLACE_WINDOW)
            .values_list("pk", flat=True)
        ):
            found[dispute_id].add(SAME_PLACE)
    station_id = _station_of_unit(grid_id=grid_id, village_code=address_village_code)
    words = bigrams(text)
    if station_id and words:
        rows = Dispute.objects.filter(_open(), station_id=station_id).values_list(
            "pk", "title", "description"
        )
        for dispute_id, title, description in rows:
            if jaccard(words, bigrams(dispute_text(title, description))) >= SIMILAR_AT_LEAST:
                found[dispute_id].add(SAME_MATTER)
    if not found:
        return None
    disputes = {d.pk: d for d in Dispute.objects.filter(pk__in=list(found))}
    return _best(found, disputes)


class _SimilarTexts:
    """Open disputes' texts of one station, indexed for Jaccard ≥ t by prefix filtering: with every
    bigram set ordered rarest first, two sets at Jaccard ≥ t share a bigram among the first
    |x| − ⌈t·|x|⌉ + 1 of each, so only those prefixes are indexed and probed; candidates are then
    checked exactly."""

    def __init__(self, items: Iterable[tuple[int, frozenset[str]]], threshold: float) -> None:
        self.t = threshold
        self.sets: dict[int, frozenset[str]] = {}
        self.freq: Counter[str] = Counter()
        for dispute_id, words in items:
            if words:
                self.sets[dispute_id] = words
                self.freq.update(words)
        self.index: dict[str, list[int]] = defaultdict(list)
        for dispute_id, words in self.sets.items():
            for word in self._prefix(words):
                self.index[word].append(dispute_id)

    def _prefix(self, words: frozenset[str]) -> list[str]:
        ordered = sorted(words, key=lambda w: (self.freq.get(w, 0), w))
        return ordered[: len(ordered) - ceil(self.t * len(ordered)) + 1]

    def similar(self, words: frozenset[str]) -> list[int]:
        if not words or not self.sets:
            return []
        lo, hi = self.t * len(words), len(words) / self.t
        seen: set[int] = set()
        out = []
        for word in self._prefix(words):
            for dispute_id in self.index.get(word, ()):
                if dispute_id in seen:
                    continue
                seen.add(dispute_id)
                other = self.sets[dispute_id]
                if lo <= len(other) <= hi and jaccard(words, other) >= self.t:
                    out.append(dispute_id)
        return out


class OpenDisputeIndex:
    """Every open dispute in memory (its parties' persons and phones, its place, its text), to ask
    `open_dispute_repeated`'s question for thousands of reports without a query each. Its size is
    the number of open disputes, not of reports."""

    def __init__(self) -> None:
        from concord.disputes.models import Category
        from concord.territory.models import Unit

        self.disputes: dict[int, Dispute] = {
            d.pk: d
            for d in Dispute.objects.filter(_open()).only(
                "id", "case_number", "station_id", "grid_id", "category_id", "found_at"
            )
        }
        self.by_person: dict[int, set[int]] = defaultdict(set)
        self.by_phone: dict[str, set[int]] = defaultdict(set)
        self.by_place: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.by_grid: dict[tuple[int, str], list[int]] = defaultdict(list)
        self.texts: dict[int, _SimilarTexts] = {}
        if not self.disputes:
            return
        categories = dict(Category.objects.values_list("pk", "code"))
        villages = dict(
            Unit.objects.filter(pk__in={d.grid_id for d in self.disputes.values()}).values_list(
                "pk", "parent__code"
            )
        )
        texts: dict[int, list[tuple[int, frozenset[str]]]] = defaultdict(list)
        for dispute in self.disputes.values():
            category = categories.get(dispute.category_id, "")
            if villages.get(dispute.grid_id):
                self.by_place[(villages[dispute.grid_id], category)].append(dispute.pk)
            self.by_grid[(dispute.grid_id, category)].append(dispute.pk)
        rows = Dispute.objects.filter(pk__in=list(self.disputes)).values_list(
            "pk", "station_id", "title", "description"
        )
        for dispute_id, station_id, title, description in rows:
            texts[station_id].append((dispute_id, bigrams(dispute_text(title, description))))
        parties = Party.objects.filter(dispute_id__in=list(self.disputes)).values_list(
            "dispute_id", "person_id", "phone"
        )
        for dispute_id, person_id, raw in parties:
            if person_id:
                self.by_person[person_id].add(dispute_id)
            for phone in _phones(raw) if raw else ():
                self.by_phone[phone].add(dispute_id)
        self.texts = {
            station: _SimilarTexts(items, SIMILAR_AT_LEAST) for station, items in texts.items()
        }

    def __len__(self) -> int:
        return len(self.disputes)

    def match(
        self,
        *,
        reporter_person_id: int | None,
        reporter_phone: str,
        address_village_code: str | None,
        grid_id: int | None,
        station_id: int | None,
        category: str,
        text: str | frozenset[str],
        at: dt.datetime,
    ) -> RepeatMatch | None:
        """As `open_dispute_repeated`; `reporter_phone` normalised, `station_id` the report's
        station (texts are compared within it), `text` the text or its `bigrams`."""
        if not self.disputes:
            return None
        found: dict[int, set[str]] = defaultdict(set)
        for dispute_id in self.by_person.get(reporter_person_id, ()) if reporter_person_id else ():
            found[dispute_id].add(SAME_PERSON)
        for dispute_id in self.by_phone.get(reporter_phone, ()) if reporter_phone else ():
            found[dispute_id].add(SAME_PHONE)
        if category:
            near = []
            if address_village_code:
                near += self.by_place.get((address_village_code, category), ())
            if grid_id:
                near += self.by_grid.get((grid_id, category), ())
            for dispute_id in near:
                if abs(self.disputes[dispute_id].found_at - at) <= PLACE_WINDOW:
                    found[dispute_id].add(SAME_PLACE)
        similar = self.texts.get(station_id) if station_id else None
        if similar is not None:
            words = text if isinstance(text, frozenset) else bigrams(text)
            for dispute_id in similar.similar(words):
                found[dispute_id].add(SAME_MATTER)
        return _best(found, self.disputes)


# --- how many reports in twelve months -----------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """A report to count for: who, which phone, where, when.

    `ref` identifies the report so it is never counted twice (a scanned call and the lead it became
    on an earlier run are one report); `counted` says whether it will itself be on record (a lead),
    and so counts for the others; `lead_id` is its lead when it already has one."""

    at: dt.datetime
    person_id: int | None = None
    phone: str = ""  # normalised
    address: str = ""  # `specific_address` of the address, or ""
    village_code: str | None = None
    ref: tuple = ()
    counted: bool = True
    lead_id: int | None = None

    def match_keys(self) -> list[tuple]:
        keys: list[tuple] = []
        if self.person_id:
            keys.append(("person", self.person_id))
        if self.phone:
            keys.append(("phone", self.phone))
        if self.address:
            keys.append(("address", self.village_code or "", self.address))
        return keys


def lead_ref(channel: str, source_system: str, source_ref: str, pk: int | None = None) -> tuple:
    return ("lead", channel, source_system, source_ref) if source_ref else ("lead#", pk)


@dataclass
class _Window:
    """Dispute reports (by party) found within [lo, hi], indexed by key."""

    lo: dt.datetime
    hi: dt.datetime
    by_key: dict[tuple, list[tuple[tuple, dt.datetime]]] = field(default_factory=dict)


class ReportCounter:
    """Counts, for a batch of reports, the dispute reports about the same person, phone or address
    in the twelve months up to each, the report included: leads on record (three indexed lookups a
    batch: by phone, person and address), disputes (their parties, loaded for a window of time and
    reused while batches fall inside it) and the batch's own reports. Memory holds one batch and one
    window of disputes, whatever the number of reports already counted."""

    DISPUTE_MARGIN = dt.timedelta(days=120)  # loaded beyond a batch's window, for the next ones
    TARGETED_UP_TO = 20  # reports for which disputes are looked up by key rather than by window

    def __init__(self, *, gazetteer=None) -> None:
        self._places = _Places(gazetteer)
        self._window: _Window | None = None

    def counts(self, reports: Sequence[Report]) -> list[int]:
        if not reports:
            return []
        lo = min(r.at for r in reports) - REPORT_WINDOW
        hi = max(r.at for r in reports)
        index: dict[tuple, dict[tuple, dt.datetime]] = defaultdict(dict)
        for ref, at, keys in self._leads(reports, lo, hi):
            for key in keys:
                index[key][ref] = at
        few = len(reports) <= self.TARGETED_UP_TO
        window = self._disputes_about(reports, lo, hi) if few else self._disputes(lo, hi)
        for r in reports:
            for key in r.match_keys():
                for ref, at in window.by_key.get(key, ()):
                    index[key][ref] = at
        for r in reports:
            if r.counted:
                for key in r.match_keys():
                    index[key][r.ref] = r.at
        out = []
        for r in reports:
            since = r.at - REPORT_WINDOW
            seen = {r.ref}
            for key in r.match_keys():
                for ref, at in index.get(key, {}).items():
                    if since < at <= r.at:
                        seen.add(ref)
            out.append(len(seen))
        return out

    def _leads(self, reports: Sequence[Report], lo: dt.datetime, hi: dt.datetime):
        persons = {r.person_id for r in reports if r.person_id}
        phones = {r.phone for r in reports if r.phone}
        addresses = {r.address for r in reports if r.address}
        wanted = {key for r in reports for key in r.match_keys()}
        base = Lead.objects.filter(is_dispute=True, received_at__gt=lo, received_at__lte=hi)
        columns = (
            "pk",
            "channel",
            "source_system",
            "source_ref",
            "received_at",
            "reporter_person_id",
            "reporter_phone",
            "address",
            "grid__parent__code",
        )
        seen: set[int] = {r.lead_id for r in reports if r.lead_id}  # they count as themselves
        for lookup, values in (
            ("reporter_phone__in", phones),
            ("reporter_person_id__in", persons),
            ("address__in", addresses),
        ):
            if not values:
                continue
            for row in base.filter(**{lookup: list(values)}).values_list(*columns):
                pk, channel, system, source, at, person, phone, address, grid_village = row
                if pk in seen:
                    continue
                seen.add(pk)
                keys = []
                if person and ("person", person) in wanted:
                    keys.append(("person", person))
                for number in {phone, normalise_phone(phone)} if phone else ():
                    if number and ("phone", number) in wanted:
                        keys.append(("phone", number))
                tidy = specific_address(address)
                if tidy and tidy in addresses:
                    # A lead's grid is where it was placed; its address is read only without one.
                    village = grid_village or self._places.village(tidy) or ""
                    if ("address", village, tidy) in wanted:
                        keys.append(("address", village, tidy))
                ref = ("lead#", pk) if not source else lead_ref(channel, system, source, pk)
                yield ref, at, keys

    def _disputes(self, lo: dt.datetime, hi: dt.datetime) -> _Window:
        """Every dispute report found in a window around [lo, hi], by key (reused while batches
        fall inside it)."""
        w = self._window
        if w is not None and w.lo <= lo and hi <= w.hi:
            return w
        w = _Window(lo=lo, hi=hi + self.DISPUTE_MARGIN)
        found = Q(dispute__found_at__gt=w.lo, dispute__found_at__lte=w.hi)
        keys = PersonKey.objects.filter(
            kind=PersonKey.Kind.PHONE,
            person__party_records__dispute__found_at__gt=w.lo,
            person__party_records__dispute__found_at__lte=w.hi,
        )
        w.by_key = self._dispute_keys(Party.objects.filter(found), keys)
        self._window = w
        return w

    def _disputes_about(self, reports: Sequence[Report], lo: dt.datetime, hi: dt.datetime):
        """The dispute reports in [lo, hi] about these few reports' people, phones and addresses:
        a few indexed queries, for a lead taken in on its own."""
        persons = {r.person_id for r in reports if r.person_id}
        phones = {r.phone for r in reports if r.phone}
        addresses = {r.address for r in reports if r.address}
        if phones:
            persons |= set(
                PersonKey.objects.filter(
                    kind=PersonKey.Kind.PHONE, value__in=phones, person__is_active=True
                ).values_list("person_id", flat=True)
            )
        parties = Party.objects.filter(dispute__found_at__gt=lo, dispute__found_at__lte=hi)
        ids: set[int] = set()
        for lookup, values in (
            ("person_id__in", persons),
            ("phone__in", phones),
            ("address__in", addresses),
        ):
            if values:
                ids |= set(parties.filter(**{lookup: list(values)}).values_list("pk", flat=True))
        chosen = Party.objects.filter(pk__in=ids)
        keys = PersonKey.objects.filter(
            kind=PersonKey.Kind.PHONE,
            person_id__in={p for p in chosen.values_list("person_id", flat=True) if p},
        )
        return _Window(lo=lo, hi=hi, by_key=self._dispute_keys(chosen, keys))

    def _dispute_keys(self, parties, person_phones) -> dict[tuple, list[tuple[tuple, dt.datetime]]]:
        """A dispute report per dispute, under every key of its parties: the linked person, the
        phones typed for the party and those known for its person, a specific address. A dispute
        registered from a lead is left out: the lead counts for it."""
        phones_of: dict[int, set[str]] = defaultdict(set)
        for person_id, value in person_phones.values_list("person_id", "value").distinct():
            phones_of[person_id].add(value)
        registered = Lead.objects.filter(dispute=OuterRef("dispute_id"), state="registered")
        rows = parties.annotate(from_lead=Exists(registered)).values_list(
            "dispute_id",
            "dispute__found_at",
            "person_id",
            "phone",
            "address",
            "dispute__grid__parent__code",
            "from_lead",
        )
        by_key: dict[tuple, dict[tuple, dt.datetime]] = defaultdict(dict)
        for dispute_id, at, person, phone, address, grid_village, from_lead in rows:
            if from_lead:
                continue
            ref = ("dispute", dispute_id)
            if person:
                by_key[("person", person)][ref] = at
            for number in {*(_phones(phone) if phone else ()), *phones_of.get(person, ())}:
                by_key[("phone", number)][ref] = at
            tidy = specific_address(address)
            if tidy:
                village = self._places.village(tidy) or grid_village or ""
                by_key[("address", village, tidy)][ref] = at
        return {key: list(refs.items()) for key, refs in by_key.items()}


def reports_in_12_months(
    *,
    person_id: int | None,
    phone: str,
    village_code: str | None,
    at: dt.datetime,
    address: str = "",
    exclude_lead_id: int | None = None,
) -> int:
    """Dispute reports about the same person, phone or address in the twelve months up to `at`,
    this one included (so never less than 1).

    `address` is the report's address as typed; it counts only when specific (see the module's
    note), and within `village_code` when that is given. `exclude_lead_id` is the report's own lead
    when it is already saved, so it is not counted twice."""
    tidy = specific_address(address)
    village = village_code
    if tidy and not village:
        village = _Places().village(tidy)
    report = Report(
        at=at,
        person_id=person_id,
        phone=normalise_phone(phone) or "",
        address=tidy,
        village_code=village,
        ref=("lead#", exclude_lead_id) if exclude_lead_id else ("new",),
        lead_id=exclude_lead_id,
    )
    return ReportCounter().counts([report])[0]


def stored_reasons(match: RepeatMatch | None) -> list[dict[str, Any]]:
    return match.stored_reasons() if match else []
