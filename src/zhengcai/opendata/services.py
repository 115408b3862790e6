"""Writes of the open-data app: one OCDS release per public procurement event, and its record.

Called by the procurement services inside their own transaction, right after their audit event, so
a release exists exactly when the event happened (a rolled-back service publishes nothing).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from zhengcai.procurement.models import Intention, Project

from . import build
from .merge import compile_releases, merge_release
from .models import PublicationCounter, Record, Release

RELEASE_TAGS = frozenset(
    {
        "planning",
        "planningUpdate",
        "tender",
        "tenderAmendment",
        "tenderUpdate",
        "tenderCancellation",
        "award",
        "awardUpdate",
        "awardCancellation",
        "contract",
        "contractUpdate",
        "contractAmendment",
        "implementation",
        "implementationUpdate",
        "contractTermination",
    }
)


@transaction.atomic
def release_publish(*, project_or_intention: Project | Intention, tags: list[str], at: dt.datetime) -> Release | None:
    """Write the release of an event (``tags`` from the OCDS releaseTag codelist) and merge it into the record.

    The release is built from the current public state (``build``); ``None`` when nothing about the
    subject is public yet — a project whose intention is unpublished and whose notice is not out.
    Release ids are ``<ocid>-<n>``, n counting the process's releases; the published order ``seq``
    is taken under a lock so that it follows commit order.
    """
    unknown = set(tags) - RELEASE_TAGS
    if not tags or unknown:
        raise ValueError(f"not OCDS release tags: {sorted(unknown) or tags}")
    body = build.release_body(project_or_intention, at)
    if body is None:
        return None
    subject = build.subject_of(project_or_intention)
    counter, _ = PublicationCounter.objects.select_for_update().get_or_create(pk=1)
    record = Record.objects.select_for_update().filter(ocid=subject.ocid).first()
    number = len(record.release_ids) + 1 if record else 1
    date = build.when(at)
    data = {"ocid": subject.ocid, "id": f"{subject.ocid}-{number}", "date": date, "tag": list(tags), **body}
    counter.last_seq += 1
    counter.save(update_fields=["last_seq"])
    release = Release(
        seq=counter.last_seq,
        ocid=subject.ocid,
        release_id=data["id"],
        date=at,
        tags=list(tags),
        data=data,
        project=subject.project,
        region_code=subject.region_code,
    )
    release.save()
    if record is None:
        record = Record(ocid=subject.ocid, project=subject.project, region_code=subject.region_code, release_ids=[])
    if record.pk is not None and date >= record.compiled_release["date"]:
        record.compiled_release = merge_release(record.compiled_release, data)
    else:  # the first release, or one dated before the latest: compile again in date order
        releases = [r.data for r in Release.objects.filter(ocid=subject.ocid).order_by("seq")]
        record.compiled_release = compile_releases(releases)
    record.release_ids = [*record.release_ids, release.release_id]
    record.last_date = max(at, record.last_date) if record.pk is not None else at
    record.updated = at
    record.save()
    return release
