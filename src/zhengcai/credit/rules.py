"""S-CREDIT-EXEMPT: which supplier is exempted from bid security, and why (local policy, versioned, explainable).

Pure functions over dates and plain data, so the decision is tested without a database and the same
evaluation serves the stored decision (``services.exemption_decide``) and the supplier's outlook page.

Rule ids (named in code, tests and the stored reasons):

* ``CREDIT-DISHONESTY-LIST`` — an unexpired entry on a serious-dishonesty list (严重失信主体名单) blocks the
  exemption for as long as the entry is in force, whatever the thresholds.
* ``CREDIT-SERIOUS-36M`` — an unexpired record of severity "serious" that occurred in the last
  ``serious_months`` (default 36) blocks the exemption.
* ``CREDIT-MAJOR-2IN24M`` — more than ``major_max`` (default 2) unexpired "major" records in the last
  ``major_months`` (default 24) block the exemption; small and micro enterprises may be allowed
  ``small_micro_extra_major`` more (``CREDIT-SME-LENIENCY``, default 0 = no leniency).
* ``CREDIT-CLEAN`` — otherwise the supplier is exempt.

Explanations are written in both languages when the decision is made and stored with it, so a later
change of wording, catalogue or policy never changes what a supplier was told.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengcai.core.errors import ServiceError

from .errors import CreditError

RULE_DISHONESTY = "CREDIT-DISHONESTY-LIST"
RULE_SERIOUS = "CREDIT-SERIOUS-36M"
RULE_MAJOR = "CREDIT-MAJOR-2IN24M"
RULE_SME = "CREDIT-SME-LENIENCY"
RULE_CLEAN = "CREDIT-CLEAN"

# The default policy, version 1 (what the bureau publishes first; the demo does exactly this).
DEFAULT_VERSION = 1
DEFAULT_EFFECTIVE_FROM = dt.date(2024, 1, 1)
SERIOUS_LOOKBACK_MONTHS = 36
MAJOR_LOOKBACK_MONTHS = 24
MAJOR_MAX = 2
SMALL_MICRO_EXTRA_MAJOR = 0

DEFAULT_RULES: dict[str, int] = {
    "serious_months": SERIOUS_LOOKBACK_MONTHS,
    "major_months": MAJOR_LOOKBACK_MONTHS,
    "major_max": MAJOR_MAX,
    "small_micro_extra_major": SMALL_MICRO_EXTRA_MAJOR,
}

# (lowest, highest) allowed value of each threshold; anything else is refused when a version is published.
RULE_LIMITS: dict[str, tuple[int, int]] = {
    "serious_months": (12, 120),
    "major_months": (6, 120),
    "major_max": (0, 20),
    "small_micro_extra_major": (0, 10),
}

RULE_LABELS: dict[str, Any] = {
    "serious_months": _("Serious records count for (months)"),
    "major_months": _("Major records count for (months)"),
    "major_max": _("Major records allowed"),
    "small_micro_extra_major": _("Extra major records allowed for small and micro enterprises"),
}


class Source(models.TextChoices):
    PLATFORM = "platform", _("Platform behaviour")
    IMPORT = "import", _("Imported external record")
    BUREAU = "bureau", _("Entered by the bureau")


class Kind(models.TextChoices):
    BID_WITHDRAWN = "bid_withdrawn", _("Bid withdrawn after the opening")
    REFUSED_TO_SIGN = "refused_to_sign", _("Contract not signed after the award")
    LATE_DELIVERY = "late_delivery", _("Late delivery")
    FAILED_ACCEPTANCE = "failed_acceptance", _("Failed acceptance")
    COMPLAINT_UPHELD = "complaint_upheld", _("Upheld complaint against the supplier")
    FALSE_MATERIALS = "false_materials", _("False materials")
    ADMINISTRATIVE_PENALTY = "administrative_penalty", _("Administrative penalty")
    SERIOUS_DISHONESTY = "serious_dishonesty", _("Serious-dishonesty list")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    SERIOUS = "serious", _("Serious")


SEVERITY_ZH = {"minor": "轻微", "major": "较重", "serious": "严重"}

# Records the platform derives from procurement data: (severity, months in force).
PLATFORM_RECORDS: dict[str, tuple[str, int]] = {
    Kind.FAILED_ACCEPTANCE: (Severity.MAJOR, 24),
    Kind.REFUSED_TO_SIGN: (Severity.MAJOR, 24),
}


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier), clamped to the month's end (2024-02-29 + 12 → 2025-02-28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = pycalendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def validate_rules(rules: Any) -> tuple[dict[str, int], list[ServiceError]]:
    """The thresholds of a new policy version, checked: every key known and present, whole numbers in range."""
    errors: list[ServiceError] = []
    if not isinstance(rules, dict):
        return {}, [ServiceError(CreditError.POLICY_RULE, "rules", _("The policy rules must be an object."))]
    clean: dict[str, int] = {}
    for key in sorted(set(rules) - set(RULE_LIMITS)):
        errors.append(
            ServiceError(
                CreditError.POLICY_RULE,
                f"rules.{key}",
                _("Unknown policy rule “{rule}” (S-CREDIT-EXEMPT)."),
                rule=key,
            )
        )
    for key, (low, high) in RULE_LIMITS.items():
        value = rules.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors.append(
                ServiceError(
                    CreditError.POLICY_RULE,
                    key,
                    _("{label} must be a whole number from {low} to {high} (S-CREDIT-EXEMPT)."),
                    label=RULE_LABELS[key],
                    low=low,
                    high=high,
                )
            )
        else:
            clean[key] = value
    return clean, errors


@dataclass(frozen=True)
class RecordFact:
    """What the evaluation needs of one credit record."""

    id: int
    kind: str
    severity: str
    occurred_on: dt.date
    expires_on: dt.date | None
    description: str

    def in_force(self, on: dt.date) -> bool:
        return self.occurred_on <= on and (self.expires_on is None or on <= self.expires_on)

    def counts_until(self, months: int) -> dt.date:
        """The last day this record counts under a look-back of ``months``: its expiry or the window's end."""
        window_end = add_months(self.occurred_on, months) - dt.timedelta(days=1)
        return window_end if self.expires_on is None else min(window_end, self.expires_on)


@dataclass(frozen=True)
class Outcome:
    exempt: bool
    reasons: list[dict[str, Any]] = field(default_factory=list)
    explanation_zh: str = ""
    explanation_en: str = ""


def _period_zh(months: int) -> str:
    return f"近{months // 12}年" if months % 12 == 0 else f"近{months}个月"


def _period_en(months: int) -> str:
    if months % 12 == 0:
        years = months // 12
        return "the last year" if years == 1 else f"the last {years} years"
    return f"the last {months} months"


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _reason(rule: str, fact: RecordFact, until: dt.date | None) -> dict[str, Any]:
    return {
        "rule": rule,
        "record": fact.id,
        "kind": fact.kind,
        "severity": fact.severity,
        "occurred_on": fact.occurred_on.isoformat(),
        "until": until.isoformat() if until else None,
        "description": _short(fact.description, 200),
    }


def evaluate(
    *, rules: dict[str, int], version: int, records: Sequence[RecordFact], on: dt.date, small_or_micro: bool
) -> Outcome:
    """S-CREDIT-EXEMPT under one policy version, on one day, over the records known at that moment."""
    serious_months = rules["serious_months"]
    major_months = rules["major_months"]
    allowed = rules["major_max"] + (rules["small_micro_extra_major"] if small_or_micro else 0)
    live = [r for r in records if r.in_force(on)]
    blocking: list[dict[str, Any]] = []
    zh_parts: list[str] = []
    en_parts: list[str] = []

    # CREDIT-DISHONESTY-LIST: in force for as long as the list entry is.
    listed = sorted((r for r in live if r.kind == Kind.SERIOUS_DISHONESTY), key=lambda r: (r.occurred_on, r.id))
    for r in listed:
        blocking.append(_reason(RULE_DISHONESTY, r, r.expires_on))
        until_zh = f"有效期至 {r.expires_on.isoformat()}" if r.expires_on else "长期有效"
        until_en = f"in force until {r.expires_on.isoformat()}" if r.expires_on else "with no expiry date"
        zh_parts.append(f"列入严重失信主体名单“{_short(r.description)}”（{r.occurred_on.isoformat()}），{until_zh}")
        en_parts.append(
            f"serious-dishonesty list entry “{_short(r.description)}” of {r.occurred_on.isoformat()}, {until_en}"
        )

    # CREDIT-SERIOUS-36M: a serious record inside the look-back window.
    listed_ids = {r.id for r in listed}
    serious = [
        r
        for r in live
        if r.severity == Severity.SERIOUS and r.id not in listed_ids and on <= r.counts_until(serious_months)
    ]
    for r in sorted(serious, key=lambda r: (r.occurred_on, r.id)):
        until = r.counts_until(serious_months)
        blocking.append(_reason(RULE_SERIOUS, r, until))
        zh_parts.append(
            f"严重失信记录“{_short(r.description)}”（{r.occurred_on.isoformat()}）有效期至 {until.isoformat()}"
        )
        en_parts.append(
            f"serious record “{_short(r.description)}” of {r.occurred_on.isoformat()} counts until {until.isoformat()}"
        )

    # CREDIT-MAJOR-2IN24M (with CREDIT-SME-LENIENCY): too many major records inside their window.
    majors = sorted(
        (r for r in live if r.severity == Severity.MAJOR and on <= r.counts_until(major_months)),
        key=lambda r: (r.occurred_on, r.id),
    )
    if len(majors) > allowed:
        ends = sorted(r.counts_until(major_months) for r in majors)
        until = ends[len(majors) - allowed - 1]  # the day after it, at most ``allowed`` still count
        for r in majors:
            blocking.append(_reason(RULE_MAJOR, r, r.counts_until(major_months)))
        names_zh = "、".join(f"“{_short(r.description, 30)}”（{r.occurred_on.isoformat()}）" for r in majors)
        names_en = ", ".join(f"“{_short(r.description, 30)}” of {r.occurred_on.isoformat()}" for r in majors)
        zh_parts.append(
            f"{_period_zh(major_months)}较重失信记录{len(majors)}条，超过{allowed}条（{names_zh}），"
            f"有效期至 {until.isoformat()}"
        )
        en_parts.append(
            f"{len(majors)} major records in {_period_en(major_months)}, more than {allowed} ({names_en}), "
            f"counting until {until.isoformat()}"
        )

    if blocking:
        return Outcome(
            exempt=False,
            reasons=blocking,
            explanation_zh=f"不予免收投标保证金：{'；'.join(zh_parts)}（信用政策第{version}版）",
            explanation_en=f"Not exempt from bid security: {'; '.join(en_parts)} (credit policy v{version})",
        )

    reason: dict[str, Any] = {
        "rule": RULE_CLEAN,
        "serious_months": serious_months,
        "major_months": major_months,
        "major_count": len(majors),
        "major_allowed": allowed,
    }
    zh = f"免收投标保证金：{_period_zh(serious_months)}无严重失信记录"
    en = f"Exempt from bid security: no serious record in {_period_en(serious_months)}"
    if majors:
        zh += f"，{_period_zh(major_months)}较重记录{len(majors)}条，未超过{allowed}条"
        en += f"; {len(majors)} major record(s) in {_period_en(major_months)}, not more than {allowed}"
        if small_or_micro and rules["small_micro_extra_major"] and len(majors) > rules["major_max"]:
            reason["leniency"] = RULE_SME
            zh += "（小微企业放宽）"
            en += " (small/micro enterprise leniency)"
    return Outcome(
        exempt=True,
        reasons=[reason],
        explanation_zh=f"{zh}（信用政策第{version}版）",
        explanation_en=f"{en} (credit policy v{version})",
    )
