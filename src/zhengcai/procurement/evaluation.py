"""Comprehensive scoring (综合评分法): a committee drawn at random, independent scoring sheets, ranking.

The agency draws the committee (E-COMMITTEE) from the experts without a conflict of interest; after
the opening each expert scores every valid bid's technical and commercial part on their own sheet,
which is final once submitted; when every sheet is in, the agency computes the ranking: price score
by the lowest-price-first formula (E-PRICE-SCORE) on SME-deducted prices (SME-PRICE-DEDUCT), plus the
mean of the experts' scores. The same sheets always give the same ranking.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhengcai.accounts.selectors import expert_pool
from zhengcai.core.audit import audit_record, snapshot
from zhengcai.core.errors import ServiceError, raise_if_any
from zhengcai.core.fsm import check_transition
from zhengcai.core.notifications import notification_queue

from . import rules
from .bidding import BidError
from .models import (
    PROJECT_TRANSITIONS,
    Bid,
    BidOpening,
    CommitteeMember,
    EvaluationMethod,
    ExpertScore,
    Project,
    ProjectStatus,
)
from .services import local_date, require_manager, require_not_suspended


class EvaluationError(StrEnum):
    NOT_SCORING = "procurement.evaluation.not_scoring"
    COMMITTEE_STATE = "procurement.committee.state"
    COMMITTEE_EXISTS = "procurement.committee.exists"
    POOL_TOO_SMALL = "procurement.committee.pool_too_small"
    NO_COMMITTEE = "procurement.committee.missing"
    SHEET_CLOSED = "procurement.scoring.closed"
    SHEET_SUBMITTED = "procurement.scoring.submitted"
    SCORE_MISSING = "procurement.scoring.missing"
    SCORE_RANGE = "procurement.scoring.range"
    SCORE_UNKNOWN_BID = "procurement.scoring.unknown_bid"
    SHEETS_PENDING = "procurement.evaluation.sheets_pending"


def score_field(line: BidOpening | int) -> str:
    """The form field (and error field) of one bid's score on a scoring sheet."""
    return f"score_{line if isinstance(line, int) else line.pk}"


def quality_max(project: Project) -> Decimal:
    """The points the experts award: what price does not weigh."""
    return Decimal(100) - (project.price_weight_percent or Decimal(0))


def _require_scoring(project: Project) -> None:
    if project.evaluation_method != EvaluationMethod.SCORING:
        raise ServiceError(
            EvaluationError.NOT_SCORING,
            "evaluation_method",
            _("This project is evaluated by the lowest price; it has no scoring committee."),
        )


@transaction.atomic
def committee_draw(
    *, project: Project, size: int, actor: Any, at: dt.datetime, rng: random.Random | None = None
) -> list[CommitteeMember]:
    """Draw ``size`` experts at random (E-COMMITTEE) once the notice is out and before the evaluation,
    leaving out anyone who belongs to the purchaser, the agency or a bidder."""
    project = Project.objects.select_for_update(of=("self",)).select_related("purchaser", "agency").get(pk=project.pk)
    require_manager(actor, project.purchaser, project.agency)
    _require_scoring(project)
    if project.status not in {ProjectStatus.TENDERING, ProjectStatus.OPENED}:
        raise ServiceError(
            EvaluationError.COMMITTEE_STATE,
            "status",
            _("The committee is drawn after the notice is published and before the evaluation."),
        )
    if CommitteeMember.objects.filter(project=project).exists():
        raise ServiceError(
            EvaluationError.COMMITTEE_EXISTS, "size", _("The committee of this project has already been drawn.")
        )
    if err := rules.check_committee_size(size, project.budget_fen, on=local_date(at)):
        raise err
    conflicted = [project.purchaser_id, *([project.agency_id] if project.agency_id else [])]
    conflicted += list(Bid.objects.filter(tender__project=project).values_list("supplier_id", flat=True).distinct())
    pool = expert_pool(conflicted_organization_ids=conflicted)
    if len(pool) < size:
        raise ServiceError(
            EvaluationError.POOL_TOO_SMALL,
            "size",
            _("Only {available} experts without a conflict of interest are available; {size} are needed."),
            available=len(pool),
            size=size,
        )
    chosen = (rng or secrets.SystemRandom()).sample(pool, size)
    members = [CommitteeMember.objects.create(project=project, expert=expert, drawn_at=at) for expert in chosen]
    audit_record(
        actor=actor,
        action="committee.draw",
        obj=project,
        after={"size": size, "pool": len(pool), "experts": [m.expert_id for m in members]},
        at=at,
    )
    link = reverse("procurement:score_sheet", args=[project.number])
    for member in members:
        notification_queue(
            recipient=member.expert,
            subject=gettext("Evaluation committee: {title}").format(title=project.title),
            body=gettext(
                "You were drawn onto the evaluation committee of {number}. Score the bids after the opening."
            ).format(number=project.number),
            link=link,
            at=at,
        )
    return members


def _member_for(project: Project, actor: Any) -> CommitteeMember:
    member = CommitteeMember.objects.select_for_update(of=("self",)).filter(project=project, expert=actor).first()
    if member is None or not getattr(actor, "is_active", False):
        raise PermissionDenied
    return member


@transaction.atomic
def score_sheet_submit(
    *,
    project: Project,
    scores: Mapping[int, Decimal | None],
    comments: Mapping[int, str],
    actor: Any,
    at: dt.datetime,
) -> CommitteeMember:
    """An expert's independent scores for every valid bid (keyed by opening line), final once submitted."""
    project = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    member = _member_for(project, actor)
    if member.submitted_at is not None:
        raise ServiceError(
            EvaluationError.SHEET_SUBMITTED, "scores", _("Your scoring sheet is already submitted; it is final.")
        )
    if project.status != ProjectStatus.OPENED:
        raise ServiceError(
            EvaluationError.SHEET_CLOSED,
            "scores",
            _("Scoring is open after the bids are opened and until the evaluation is concluded."),
        )
    lines = list(BidOpening.objects.filter(tender__project=project, valid=True).order_by("id"))
    top = quality_max(project)
    errors: list[ServiceError] = []
    known = {line.pk for line in lines}
    for line_id in sorted(set(scores) - known):
        errors.append(
            ServiceError(
                EvaluationError.SCORE_UNKNOWN_BID, score_field(line_id), _("This is not a valid bid of the project.")
            )
        )
    for line in lines:
        score = scores.get(line.pk)
        if score is None:
            errors.append(ServiceError(EvaluationError.SCORE_MISSING, score_field(line), _("Score every valid bid.")))
        elif not Decimal(0) <= score <= top or score != score.quantize(rules.TWO_PLACES):
            errors.append(
                ServiceError(
                    EvaluationError.SCORE_RANGE,
                    score_field(line),
                    _("A score lies between 0 and {max} points, with at most two decimals."),
                    max=f"{top:g}",
                )
            )
    raise_if_any(errors)
    valid = {line_id: score for line_id, score in scores.items() if score is not None}
    ExpertScore.objects.bulk_create(
        [
            ExpertScore(member=member, line=line, score=valid[line.pk], comment=comments.get(line.pk, "").strip())
            for line in lines
        ]
    )
    member.submitted_at = at
    member.save(update_fields=["submitted_at"])
    audit_record(
        actor=actor,
        action="scoring.submit",
        obj=member,
        after={"scores": {str(line.pk): str(scores[line.pk]) for line in lines}},
        at=at,
    )
    return member


@transaction.atomic
def evaluate_scoring(*, project: Project, actor: Any, at: dt.datetime) -> list[BidOpening]:
    """Rank by total score (E-PRICE-SCORE + the experts' mean); equal totals go to the lower evaluated
    price (87号令 art. 56), then the earlier bid, then the lower bid id — reproducible."""
    project = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    require_manager(actor, project.purchaser, project.agency)
    _require_scoring(project)
    check_transition(PROJECT_TRANSITIONS, project.status, ProjectStatus.EVALUATED, labels=ProjectStatus)
    require_not_suspended(project)
    members = list(CommitteeMember.objects.filter(project=project))
    if not members:
        raise ServiceError(EvaluationError.NO_COMMITTEE, "committee", _("Draw the evaluation committee first."))
    pending = [m for m in members if m.submitted_at is None]
    if pending:
        raise ServiceError(
            EvaluationError.SHEETS_PENDING,
            "committee",
            _("{pending} of {total} experts have not submitted their scoring sheets yet."),
            pending=len(pending),
            total=len(members),
        )
    lines = list(BidOpening.objects.filter(tender__project=project, valid=True).select_related("bid"))
    if not lines:
        raise ServiceError(BidError.NO_VALID_BID, "bids", _("There is no valid bid to evaluate."))
    by_line: dict[int, list[Decimal]] = defaultdict(list)
    for line_id, score in ExpertScore.objects.filter(member__project=project).values_list("line_id", "score"):
        by_line[line_id].append(score)
    deduction = Decimal(0) if project.sme_reserved else project.sme_deduction_percent
    for line in lines:
        line.evaluated_price_fen = rules.evaluated_price(
            line.price_fen, small_or_micro=line.small_or_micro, deduction_percent=deduction
        )
    benchmark = min(line.evaluated_price_fen or 0 for line in lines)
    weight = project.price_weight_percent or Decimal(0)
    for line in lines:
        line.price_score = rules.price_score(line.evaluated_price_fen or 0, benchmark, weight)
        line.quality_score = rules.mean_score(by_line[line.pk])
        line.total_score = line.price_score + line.quality_score
    lines.sort(key=lambda ln: (-(ln.total_score or 0), ln.evaluated_price_fen, ln.bid.submitted_at, ln.bid_id))
    for rank, line in enumerate(lines, start=1):
        line.rank = rank
    BidOpening.objects.bulk_update(
        lines, ["evaluated_price_fen", "price_score", "quality_score", "total_score", "rank"], batch_size=500
    )
    before = snapshot(project)
    project.status = ProjectStatus.EVALUATED
    project.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="project.evaluate",
        obj=project,
        before=before,
        after={
            "method": "scoring",
            "price_weight_percent": weight,
            "deduction_percent": deduction,
            "benchmark_fen": benchmark,
            "ranking": [
                [ln.bid_id, ln.evaluated_price_fen, str(ln.price_score), str(ln.quality_score), str(ln.total_score)]
                for ln in lines
            ],
        },
        at=at,
    )
    return lines
