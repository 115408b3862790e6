"""OCDS export at scale: compiled records of N releases, ours (incremental merge + export) against ocdsmerge.

    .venv/bin/python benchmarks/ocds_export.py [--n 100000] [--database-url postgres://postgres@127.0.0.1:5432/postgres]

Generates N releases of Heze procurements in the shape ``opendata/build.py`` gives them (each one
the whole public state at its date): per procurement an intention (its own ocid, one release) and a
project whose releases go planning → tender → tenderAmendment / tenderUpdate (documents, the opening
with its bids) → award → awardUpdate → contract → contractUpdate → implementation (acceptance,
payments), with parties, items, documents, amendments, bid statistics and details, milestones and
transactions: arrays of objects with ids, so the identifier merge does real work. A new procurement
starts every 90 minutes and runs for months, so about 2,000 are open at any time whatever N is, and
their releases arrive interleaved in date order. Nothing is held for all N: releases are generated
as they are consumed.

Two measurements, each in its own fresh process (so that each one's peak memory is its own), which
take turns, a batch of about 1,000 releases each, so that both see the same load on a shared machine:

- ours: releases arrive one at a time and each is merged into its record's compiled release
  (``merge.Compilation``, the incremental merge ``compile_releases`` runs; timed: "as published"). A
  record whose process is over is stored in a throwaway database (an SQLite file; with --database-url a
  temporary PostgreSQL database; not timed). Then ``manage.py ocds_export`` writes every stored
  compiled release to a JSON Lines file (timed): the production export path. Last, the same releases
  are merged again record by record, each record's releases together as ocdsmerge gets them (timed:
  "record by record"): the same merge without ~2,000 records waiting in memory between their releases,
  whose cache misses the "as published" figure includes.
- ocdsmerge: the same releases, grouped per ocid, compiled by ``ocdsmerge.Merger`` with our vendored,
  patched schema (offline). Only ``create_compiled_release`` is timed: no storing, no writing.

Each release is generated and then passed through ``pickle`` (not timed), so that it holds objects of
its own, as a release decoded from storage does. The ratio is ocdsmerge's time over ours (merge +
export), on CPU time (less sensitive to other load) and on wall-clock time; target ≥ 3×. The outputs
must be identical: every line of our export is read back, and every ocdsmerge result and every record
of the record-by-record pass is written as canonical JSON (sorted keys, exact numbers); the SHA-256
digests of all of them are added up on each side and compared.

Also measured, on one process in ten, and reported beside the ratio (not in it): what
``release_publish`` pays per release to keep a record in the database, reading the stored compiled
release back (JSON decode), merging into it (``merge_release``, which first checks the record) and
writing it (JSON encode); the database round trip itself is not included.

Memory: each process reports its resident set after each tenth of the releases and its peak
(``ru_maxrss``); with --tracemalloc also the peak of Python's allocations (slower: times not comparable).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import heapq
import io
import itertools
import json
import os
import pickle
import platform
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
BATCH = 1_000  # releases generated (not timed) before each timed stretch of merging
UPKEEP_SAMPLE = 10  # one process in ten also measures release_publish's record upkeep

# --- the releases ---------------------------------------------------------------------------------

PREFIX = "ocds-zc0000"
SEED = 20260401
TZ = dt.timezone(dt.timedelta(hours=8))
BASE = dt.datetime(2025, 1, 6, 9, 0, tzinfo=TZ)
STEP = dt.timedelta(minutes=90)  # a new procurement every 90 minutes (~5,800 a year): ~2,000 open at once
REGIONS = ["菏泽市", "牡丹区", "定陶区", "曹县", "单县", "成武县", "巨野县", "郓城县", "鄄城县", "东明县"]
UNITS = [
    "第一中学",
    "人民医院",
    "实验小学",
    "教育局",
    "公安局",
    "交通运输局",
    "中医医院",
    "图书馆",
    "城市管理局",
    "水务局",
]
GOODS = [
    ("多媒体教室设备", "A02010104", "goods"),
    ("物业管理服务", "C21040000", "services"),
    ("道路照明设施维修", "B07010000", "works"),
    ("课桌椅", "A06010100", "goods"),
    ("办公家具", "A06050000", "goods"),
    ("信息系统运维", "C16070000", "services"),
    ("医疗设备", "A03180000", "goods"),
    ("绿化养护", "C21050000", "services"),
]
METHODS = [  # (OCDS method, 中文, share in %)
    ("open", "公开招标", 50),
    ("selective", "邀请招标", 5),
    ("limited", "竞争性磋商", 20),
    ("limited", "竞争性谈判", 8),
    ("limited", "询价", 12),
    ("direct", "单一来源", 5),
]
SIZES = ["micro", "small", "medium", "large"]
SME = {"micro", "small", "medium"}
SYLLABLES = "华鲁泰恒信达瑞丰宏盛博远诚通嘉和中科金天正"
TRADES = ["科技", "建设", "商贸", "信息技术", "电子", "设备", "物业管理", "环境工程", "医疗器械", "文化传媒"]
STREETS = ["中华路", "人民路", "长江路", "黄河路", "牡丹路", "和平路"]
ROLE_ORDER = ("buyer", "procuringEntity", "tenderer", "supplier", "payer", "payee")


def money(fen: int) -> dict[str, Any]:
    return {"amount": Decimal(fen).scaleb(-2), "currency": "CNY"}


def when(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def day(moment: dt.datetime) -> str:
    return when(moment.replace(hour=0, minute=0, second=0))


@dataclass(frozen=True)
class Org:
    id: str
    name: str
    credit_code: str
    street: str
    locality: str

    def ref(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name}


class World:
    """The organizations the processes draw from: budget units, agencies, suppliers."""

    def __init__(self, seed: int = SEED) -> None:
        rng = random.Random(seed)

        def orgs(first: int, count: int, name: Any) -> list[Org]:
            out = []
            for i in range(count):
                region = rng.choice(REGIONS)
                code = "9137" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(14))
                street = f"{region}{rng.choice(STREETS)}{rng.randint(1, 999)}号"
                out.append(Org(f"ZC-ORG-{first + i}", name(i, region), code, street, region))
            return out

        self.units = orgs(
            1, 400, lambda i, r: f"{r}{UNITS[i % len(UNITS)]}" + (f"（{i // len(UNITS)}）" if i >= 10 else "")
        )
        self.agencies = orgs(
            1001, 25, lambda i, r: f"山东{rng.choice(SYLLABLES)}{rng.choice(SYLLABLES)}招标代理有限公司"
        )
        self.suppliers = orgs(
            2001, 5000, lambda i, r: f"菏泽{rng.choice(SYLLABLES)}{rng.choice(SYLLABLES)}{rng.choice(TRADES)}有限公司"
        )


@dataclass
class Bidder:
    org: Org
    scale: str
    price_fen: int
    submitted: dt.datetime
    bid_id: str
    valid: bool = True


@dataclass(frozen=True)
class Event:
    date: dt.datetime
    ocid: str
    kind: str  # what happened (selects the tag and what the release discloses)


class Process:
    """One procurement: its intention (own ocid, one release) and its project (its releases, build.py's shape)."""

    def __init__(self, k: int, world: World) -> None:
        rng = random.Random(SEED * 7919 + k)
        self.k = k
        self.number = f"ZC-{k:07d}"
        self.ocid = f"{PREFIX}-{self.number}"
        self.int_ocid = f"{PREFIX}-INT-{k:07d}"
        self.buyer = rng.choice(world.units)
        self.agency = rng.choice(world.agencies) if rng.random() < 0.7 else None
        goods, self.catalogue, self.category = rng.choice(GOODS)
        self.title = f"{self.buyer.name}{goods}采购项目"
        self.method, self.method_zh, _ = rng.choices(METHODS, weights=[m[2] for m in METHODS])[0]
        self.budget_fen = rng.randint(5, 900) * 10_000_00
        self.max_fen = self.budget_fen - rng.randint(0, 4) * 1_000_00
        self.security_fen = self.budget_fen // 50 if self.method in {"open", "selective"} else 0
        self.deduction = Decimal(rng.choice([10, 10, 20])).quantize(Decimal("0.01"))
        self.sme_reserved = rng.random() < 0.3
        self.goods = goods
        self.n_items = rng.choice([1, 1, 1, 2, 3])
        t = BASE + STEP * k + dt.timedelta(seconds=rng.randint(0, 3_000))
        self.intention_at = t
        self.expected = (t + dt.timedelta(days=40)).replace(day=1, hour=0, minute=0, second=0)
        events = [Event(t, self.int_ocid, "intention")]
        t += dt.timedelta(days=rng.randint(3, 20), hours=rng.randint(0, 6))
        events.append(Event(t, self.ocid, "planning"))
        t += dt.timedelta(days=rng.randint(3, 15), minutes=rng.randint(0, 300))
        self.published = t
        events.append(Event(t, self.ocid, "tender"))
        deadline = (t + dt.timedelta(days=20 + rng.randint(0, 5))).replace(hour=9, minute=0, second=0)
        self.first_deadline = deadline
        self.corrections: list[tuple[dt.datetime, str, dt.datetime, dt.datetime]] = []
        for n in range(rng.choice([0, 0, 1, 1, 2])):
            t += dt.timedelta(days=rng.randint(1, 4), minutes=rng.randint(1, 400))
            later = deadline + dt.timedelta(days=rng.choice([0, 0, 7]))
            self.corrections.append((t, f"更正第{n + 1}项技术参数", deadline, later))
            deadline = later
            events.append(Event(t, self.ocid, "correction"))
        self.documents: list[tuple[dt.datetime, str, str]] = []
        for n in range(rng.choice([1, 1, 2])):
            t += dt.timedelta(hours=rng.randint(1, 30))
            digest = f"{rng.getrandbits(256):064x}"
            self.documents.append((t, f"{goods}招标文件" + (f"（补充{n}）" if n else ""), digest))
            events.append(Event(t, self.ocid, "document"))
        self.deadline = deadline  # corrections and documents come within 11 days, the deadline is 20+ days out
        n_bidders = 1 if self.method == "direct" else rng.choice([2, 3, 3, 4, 5, 6, 8, 12])
        self.bidders = [
            Bidder(
                org,
                rng.choice(SIZES),
                self.max_fen - rng.randint(0, self.max_fen // 500) * 100,
                min(
                    self.published + dt.timedelta(days=rng.randint(1, 15), seconds=rng.randint(0, 80_000)),
                    self.deadline - dt.timedelta(minutes=rng.randint(5, 600)),
                ),
                f"bid-{k * 20 + i}",
            )
            for i, org in enumerate(rng.sample(world.suppliers, n_bidders))
        ]
        self.failed = n_bidders < (1 if self.method == "direct" else 3)  # M-MIN-BIDDERS
        events.append(Event(self.deadline, self.ocid, "opening"))
        self.payments: list[tuple[dt.datetime, int]] = []
        if not self.failed:
            for b in self.bidders:
                b.valid = rng.random() < 0.85
            self.bidders[0].valid = True
            self.winner = min((b for b in self.bidders if b.valid), key=lambda b: b.price_fen)
            t = self.deadline + dt.timedelta(days=rng.randint(1, 3), hours=2)
            self.awarded = t
            events.append(Event(t, self.ocid, "award"))
            t += dt.timedelta(days=rng.randint(1, 3), hours=rng.randint(0, 5))
            self.result = t
            events.append(Event(t, self.ocid, "result"))
            t += dt.timedelta(days=rng.randint(5, 25))
            self.signed = t
            events.append(Event(t, self.ocid, "contract"))
            t += dt.timedelta(days=1, hours=rng.randint(0, 8))
            self.contract_published = t
            events.append(Event(t, self.ocid, "contract_published"))
            if rng.random() < 0.9:
                t += dt.timedelta(days=rng.randint(20, 90))
                self.accepted = t
                self.passed = rng.random() < 0.95
                events.append(Event(t, self.ocid, "acceptance"))
                if self.passed:
                    parts = rng.choice([1, 1, 2, 3])
                    total = self.winner.price_fen
                    for i in range(parts):
                        t += dt.timedelta(days=rng.randint(2, 25), minutes=rng.randint(1, 600))
                        share = total // parts if i < parts - 1 else total - total // parts * (parts - 1)
                        self.payments.append((t, share))
                        events.append(Event(t, self.ocid, "payment"))
        self.events = events

    # --- what each release discloses (build.py's shape: the whole public state at its date) ------------

    TAGS = {
        "intention": "planning",
        "planning": "planning",
        "tender": "tender",
        "correction": "tenderAmendment",
        "document": "tenderUpdate",
        "opening": "tenderUpdate",
        "award": "award",
        "result": "awardUpdate",
        "contract": "contract",
        "contract_published": "contractUpdate",
        "acceptance": "implementation",
        "payment": "implementation",
    }

    def release(self, i: int) -> dict[str, Any]:
        """The release of event ``i``: ``{ocid, id, date, tag, **body}``, as read back from storage.

        The round trip through ``pickle`` gives it objects of its own, laid out together, as decoding a
        stored release does: no string or number is the very object another release holds (as a name
        read from a model is not), which would let ``==`` succeed on identity alone."""
        event = self.events[i]
        if event.kind == "intention":
            body = self._intention()
            number = 1
        else:
            body = self._project(i)
            number = i  # event 0 is the intention
        data = {
            "ocid": event.ocid,
            "id": f"{event.ocid}-{number}",
            "date": when(event.date),
            "tag": [self.TAGS[event.kind]],
        }
        data.update(body)
        stored: dict[str, Any] = pickle.loads(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))  # noqa: S301
        return stored

    def _intention(self) -> dict[str, Any]:
        return {
            "initiationType": "tender",
            "language": "zh",
            "parties": [self._party(self.buyer, ["buyer"], None)],
            "buyer": self.buyer.ref(),
            "planning": {
                "rationale": f"{self.title}：满足日常工作需要",
                "budget": {"description": "预算金额", "amount": money(self.budget_fen)},
                "documents": [
                    {
                        "id": "intention-notice",
                        "documentType": "plannedProcurementNotice",
                        "title": f"{self.title} 采购意向",
                        "datePublished": when(self.intention_at),
                        "language": "zh",
                    }
                ],
            },
            "tender": {
                "id": f"INT-{self.k}",
                "title": self.title,
                "description": f"{self.title}：满足日常工作需要",
                "status": "planning",
                "tenderPeriod": {"startDate": day(self.expected)},
            },
        }

    @staticmethod
    def _party(org: Org, roles: list[str], scale: str | None) -> dict[str, Any]:
        party: dict[str, Any] = {
            "id": org.id,
            "name": org.name,
            "identifier": {"scheme": "CN-USCC", "id": org.credit_code, "legalName": org.name},
            "address": {"streetAddress": org.street, "locality": org.locality, "countryName": "中国"},
            "roles": [role for role in ROLE_ORDER if role in roles],
        }
        if scale:
            party["details"] = {"scale": scale}
        return party

    def _project(self, i: int) -> dict[str, Any]:
        done = {e.kind for e in self.events[1 : i + 1]}
        at = self.events[i].date
        roles: dict[Org, list[str]] = {self.buyer: ["buyer"]}
        scales: dict[Org, str] = {}
        body: dict[str, Any] = {
            "initiationType": "tender",
            "language": "zh",
            "buyer": self.buyer.ref(),
            "relatedProcesses": [
                {
                    "id": f"INT-{self.k}",
                    "relationship": ["planning"],
                    "title": self.title,
                    "scheme": "ocid",
                    "identifier": self.int_ocid,
                }
            ],
            "planning": {
                "budget": {"description": "预算金额", "amount": money(self.budget_fen)},
                "rationale": f"{self.title}：满足日常工作需要",
            },
        }
        if "tender" not in done:
            body["tender"] = {
                "id": self.number,
                "title": self.title,
                "status": "planning",
                "tenderPeriod": {"startDate": day(self.expected)},
            }
            body["parties"] = [self._party(self.buyer, ["buyer"], None)]
            return body
        runner = self.agency or self.buyer
        roles.setdefault(runner, []).append("procuringEntity")
        corrections = [c for c in self.corrections if c[0] <= at]
        deadline = corrections[-1][3] if corrections else self.first_deadline
        documents = [
            {
                "id": "tender-notice",
                "documentType": "tenderNotice",
                "title": f"{self.title} 采购公告",
                "datePublished": when(self.published),
                "language": "zh",
            }
        ]
        for n, (uploaded, title, digest) in enumerate(self.documents):
            if uploaded <= at:
                documents.append(
                    {
                        "id": f"doc-{self.k * 4 + n}",
                        "documentType": "biddingDocuments",
                        "title": title,
                        "description": f"SHA-256 {digest}",
                        "datePublished": when(uploaded),
                        "format": "application/pdf",
                        "language": "zh",
                    }
                )
        status = "active"
        if "opening" in done and self.failed:
            status = "unsuccessful"
        elif "award" in done:
            status = "complete"
        tender: dict[str, Any] = {
            "id": self.number,
            "title": self.title,
            "description": f"{self.title}公开采购公告正文……",
            "status": status,
            "procuringEntity": runner.ref(),
            "items": [
                {
                    "id": str(i + 1),
                    "description": f"{self.goods}（第{i + 1}包）" if i else self.goods,
                    "classification": {"scheme": "CN-ZFCGPM", "id": self.catalogue},
                }
                for i in range(self.n_items)
            ],
            "value": money(self.max_fen),
            "maximumPrice": money(self.max_fen),
            "procurementMethod": self.method,
            "procurementMethodDetails": self.method_zh,
            "mainProcurementCategory": self.category,
            "awardCriteria": "priceOnly",
            "awardCriteriaDetails": "最低评标价法",
            "submissionMethod": ["electronicSubmission"],
            "submissionMethodDetails": "加密电子投标文件，开标时在线解密",
            "tenderPeriod": {"startDate": when(self.published), "endDate": when(deadline)},
            "submissionTerms": {
                "electronicSubmissionPolicy": "required",
                "depositsGuarantees": (
                    f"投标保证金 {Decimal(self.security_fen).scaleb(-2):,} 元（不超过预算的2%，可用保函；S-BID-2PCT）"
                    if self.security_fen
                    else "不收取投标保证金"
                ),
            },
            "bidOpening": {"date": when(deadline), "description": "投标截止时间即开标时间，在线开标"},
            "documents": documents,
            "smeReserved": self.sme_reserved,
            "smePriceDeductionPercent": self.deduction,
            "numberOfChallenges": 0,
            "numberOfComplaints": 0,
        }
        if corrections:
            tender["amendments"] = [
                {
                    "id": f"correction-{self.k * 4 + n}",
                    "date": when(c[0]),
                    "rationale": "更正公告",
                    "description": c[1] + (f"（投标截止时间延至 {when(c[3])}，M-CORR-15D）" if c[3] != c[2] else ""),
                }
                for n, c in enumerate(corrections)
            ]
        body["tender"] = tender
        if "opening" in done:
            evaluated = "award" in done
            opened = self.deadline
            for b in self.bidders:
                roles.setdefault(b.org, []).append("tenderer")
                scales[b.org] = b.scale
            tender["bidOpening"] = {"date": when(opened), "description": "已在线解密开标"}
            tender["numberOfTenderers"] = len(self.bidders)
            tender["tenderers"] = [b.org.ref() for b in self.bidders]
            valid = [b for b in self.bidders if b.valid] if evaluated else self.bidders
            stats: list[dict[str, Any]] = [
                {"id": "bids", "measure": "bids", "value": len(self.bidders), "date": when(opened)},
                {
                    "id": "smeBids",
                    "measure": "smeBids",
                    "value": sum(1 for b in self.bidders if b.scale in SME),
                    "date": when(opened),
                },
            ]
            if evaluated:
                stats.append({"id": "validBids", "measure": "validBids", "value": len(valid), "date": when(opened)})
            for measure, fen in (
                ("lowestValidBidValue", min(b.price_fen for b in valid)),
                ("highestValidBidValue", max(b.price_fen for b in valid)),
            ):
                stats.append({"id": measure, "measure": measure, "value": money(fen)["amount"], "currency": "CNY"})
            body["bids"] = {
                "statistics": stats,
                "details": [
                    {
                        "id": b.bid_id,
                        "date": when(b.submitted),
                        "status": ("valid" if b.valid else "disqualified") if evaluated else "pending",
                        "tenderers": [b.org.ref()],
                        "value": money(b.price_fen),
                    }
                    for b in self.bidders
                ],
            }
        if "award" in done:
            w = self.winner
            roles.setdefault(w.org, []).append("supplier")
            published = "result" in done
            body["awards"] = [
                {
                    "id": f"award-{self.k}",
                    "title": f"{self.title} 中标（成交）结果",
                    "status": "active" if published else "pending",
                    "date": when(self.awarded),
                    "value": money(w.price_fen),
                    "suppliers": [w.org.ref()],
                    "relatedBid": w.bid_id,
                    **(
                        {
                            "documents": [
                                {
                                    "id": "result-notice",
                                    "documentType": "awardNotice",
                                    "title": f"{self.title} 中标（成交）结果公告",
                                    "datePublished": when(self.result),
                                    "language": "zh",
                                }
                            ]
                        }
                        if published
                        else {}
                    ),
                }
            ]
        if "contract" in done:
            w = self.winner
            payments = [p for p in self.payments if p[0] <= at]
            if payments:
                roles[self.buyer].append("payer")
                roles.setdefault(w.org, []).append("payee")
            paid = sum(p[1] for p in payments)
            milestones: list[dict[str, Any]] = []
            if "acceptance" in done:
                milestone = {
                    "id": "acceptance",
                    "title": "履约验收",
                    "type": "delivery",
                    "description": "验收合格" if self.passed else "验收不合格",
                    "status": "met" if self.passed else "notMet",
                }
                if self.passed:
                    milestone["dateMet"] = day(self.accepted)
                milestone["dateModified"] = day(self.accepted)
                milestones.append(milestone)
                milestones.append(
                    {
                        "id": "payment-due",
                        "title": "付款期限（P-SME-30D）",
                        "type": "payment",
                        "dueDate": day(self.accepted + dt.timedelta(days=30)),
                        "status": "met" if paid >= w.price_fen else "scheduled",
                    }
                )
            contract: dict[str, Any] = {
                "id": f"contract-{self.k}",
                "awardID": f"award-{self.k}",
                "title": f"{self.title} 政府采购合同",
                "status": "terminated" if paid >= w.price_fen else "active",
                "value": money(w.price_fen),
                "dateSigned": day(self.signed),
            }
            if "contract_published" in done:
                contract["documents"] = [
                    {
                        "id": "contract-notice",
                        "documentType": "contractNotice",
                        "title": f"{self.title} 合同公告",
                        "datePublished": when(self.contract_published),
                        "language": "zh",
                    }
                ]
            implementation: dict[str, Any] = {}
            if milestones:
                implementation["milestones"] = milestones
            if payments:
                implementation["transactions"] = [
                    {
                        "id": f"payment-{self.k * 4 + n}",
                        "date": day(paid_on),
                        "value": money(fen),
                        "payer": self.buyer.ref(),
                        "payee": w.org.ref(),
                    }
                    for n, (paid_on, fen) in enumerate(payments)
                ]
            if implementation:
                contract["implementation"] = implementation
            body["contracts"] = [contract]
        body["parties"] = [self._party(org, rs, scales.get(org)) for org, rs in roles.items()]
        return body


def processes(n: int, world: World) -> Iterator[tuple[Process, int]]:
    """The processes in start order with how many of their events are published, N releases in all."""
    total = 0
    k = 0
    while total < n:
        p = Process(k, world)
        count = min(len(p.events), n - total)
        total += count
        k += 1
        yield p, count


def by_ocid(p: Process, count: int) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for i in range(count):
        release = p.release(i)
        out.setdefault(release["ocid"], []).append(release)
    return out


def arrivals(n: int, world: World) -> Iterator[tuple[dict[str, Any], bool]]:
    """The same N releases in published (date) order, processes interleaved; each with whether it is the
    last release of its ocid. Only the processes still open are in memory."""
    heap: list[tuple[dt.datetime, int, int]] = []
    open_: dict[int, tuple[Process, int]] = {}
    source = processes(n, world)
    pending = next(source, None)
    while heap or pending is not None:
        while pending is not None and (not heap or pending[0].events[0].date <= heap[0][0]):
            p, count = pending
            open_[p.k] = pending
            heapq.heappush(heap, (p.events[0].date, p.k, 0))
            pending = next(source, None)
        _, k, i = heapq.heappop(heap)
        p, count = open_[k]
        release = p.release(i)
        ocid = release["ocid"]
        last = not any(e.ocid == ocid for e in p.events[i + 1 : count])
        if i + 1 < count:
            heapq.heappush(heap, (p.events[i + 1].date, k, i + 1))
        else:
            del open_[k]
        yield release, last


# --- measuring --------------------------------------------------------------------------------------


def rss_mb() -> float:
    """The resident set now (VmRSS), in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _canonical_number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"\x00decimal": str(value)}  # exact: 1.0 and 1.00 stay apart
    raise TypeError(type(value).__name__)


def digest(compiled: dict[str, Any]) -> int:
    """SHA-256 of a compiled release's canonical JSON (sorted keys, exact numbers), as an integer."""
    text = json.dumps(compiled, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_canonical_number)
    return int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")


class Clock:
    """Wall-clock and CPU time of the stretches it times."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    @contextmanager
    def timing(self) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall += time.perf_counter() - wall
            self.cpu += time.process_time() - cpu

    def as_dict(self) -> dict[str, float]:
        return {"wall": self.wall, "cpu": self.cpu}


class Turn:
    """Take turns with the other measurement: wait for the parent's go before each step, say when done.

    The parent lets one measuring process run at a time, a batch each in turn, so both see the same
    load on a shared machine (and never each other's). Progress goes to stderr; stdout is for turns.
    """

    def __init__(self, n: int, label: str) -> None:
        self.n, self.label = n, label
        self.marks = [n * i // 10 for i in range(1, 11)]
        self.rss: list[float] = []
        self.start = time.perf_counter()
        self.first = True

    def wait(self) -> None:
        print("ready" if self.first else "more", flush=True)
        self.first = False
        if sys.stdin.readline().strip() != "go":
            raise SystemExit("the parent stopped the run")

    def progress(self, done: int) -> None:
        """Record the resident set after each tenth of the releases."""
        if not self.marks or done < self.marks[0]:
            return
        rss = rss_mb()
        while self.marks and done >= self.marks[0]:
            self.marks.pop(0)
            self.rss.append(rss)
        elapsed = time.perf_counter() - self.start
        print(f"  {self.label}: {done:,}/{self.n:,} releases, {elapsed:,.0f} s, RSS {rss:,.0f} MiB", file=sys.stderr)


def ocid_region(ocid: str) -> str:
    return ("371702", "371703", "371721", "371722", "371723", "371700")[int(ocid[-7:]) % 6]


def phase_ours(n: int, turn: Turn) -> dict[str, Any]:
    """Incremental merge as releases arrive, records stored, then ``manage.py ocds_export``."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from zhengcai.opendata import jsoncodec
    from zhengcai.opendata.merge import Compilation, merge_release
    from zhengcai.opendata.models import Record

    call_command("migrate", verbosity=0)
    start_rss = rss_mb()
    merging, storing, exporting = Clock(), Clock(), Clock()
    decoding, remerging, encoding = Clock(), Clock(), Clock()  # release_publish's record upkeep, sampled
    open_records: dict[str, Compilation] = {}
    release_ids: dict[str, list[str]] = {}
    stored_text: dict[str, str] = {}  # the sampled records as release_publish would read them back
    upkeep_releases = 0
    finished: list[Record] = []
    records = 0
    done = 0
    stream = arrivals(n, World())

    # The same merge on the same releases, record by record (each record's releases together, oldest
    # first, as compile_releases and ocdsmerge take them): no record waits in memory between its releases.
    # One batch of it in each turn, beside a batch of the ingest, so that it too meets ocdsmerge's load.
    by_record, by_record_digest = Clock(), [0]
    source = processes(n, World())

    def by_record_batch() -> bool:
        groups = [
            group
            for process, published in itertools.islice(source, BATCH // 6)
            for group in by_ocid(process, published).values()
        ]
        with by_record.timing():
            compiled_records = []
            for releases in groups:
                compilation = Compilation()
                for release in releases:
                    compilation.add(release)
                compiled_records.append(compilation.compiled)
        by_record_digest[0] += sum(digest(record) for record in compiled_records if record is not None)
        return bool(groups)

    def store() -> int:
        with storing.timing(), transaction.atomic():
            Record.objects.bulk_create(finished)
        count = len(finished)
        finished.clear()
        return count

    while True:
        turn.wait()
        batch = list(itertools.islice(stream, BATCH))
        if not batch:
            break
        with merging.timing():
            for release, _last in batch:
                compilation = open_records.get(release["ocid"])
                if compilation is None:
                    compilation = open_records[release["ocid"]] = Compilation()
                compilation.add(release)
        # both ocids of process k end in k
        sampled = [release for release, _last in batch if int(release["ocid"][-7:]) % UPKEEP_SAMPLE == 0]
        for release in sampled:
            text = stored_text.get(release["ocid"])
            with decoding.timing():
                stored = None if text is None else jsoncodec.loads(text)
            with remerging.timing():
                compiled = merge_release(stored, release)
            with encoding.timing():
                stored_text[release["ocid"]] = jsoncodec.dumps(compiled)
        upkeep_releases += len(sampled)
        for release, last in batch:
            ocid = release["ocid"]
            release_ids.setdefault(ocid, []).append(release["id"])
            if last:
                record = open_records.pop(ocid).compiled
                assert record is not None
                if ocid in stored_text:  # release_publish's way gives the same record
                    assert jsoncodec.loads(stored_text.pop(ocid)) == record
                moment = dt.datetime.fromisoformat(release["date"])
                finished.append(
                    Record(
                        ocid=ocid,
                        compiled_release=record,
                        release_ids=release_ids.pop(ocid),
                        last_date=moment,
                        region_code=ocid_region(ocid),
                        updated=moment,
                    )
                )
        if len(finished) >= 500:
            records += store()
        done += len(batch)
        turn.progress(done)
        by_record_batch()
    records += store()
    assert not open_records, "every process ends within the N releases"
    ingest_peak = peak_mb()

    export_path = Path(os.environ["ZC_VAR_DIR"]) / "compiled.jsonl"
    print("  ours: manage.py ocds_export …", file=sys.stderr)
    with exporting.timing():
        call_command("ocds_export", output=str(export_path), stderr=io.StringIO())
    export_rss = rss_mb()
    turn.wait()  # reading the export back is not timed, but takes its turn
    total, lines = 0, 0
    with export_path.open(encoding="utf-8") as exported:
        for line in exported:
            total += digest(jsoncodec.loads(line))
            lines += 1

    while by_record_batch():  # whatever is left of the record-by-record pass
        turn.wait()
    return {
        "merge_by_record": by_record.as_dict(),
        "digest_by_record": by_record_digest[0] % 2**256,
        "vendor": connection.vendor,
        "releases": done,
        "records": records,
        "lines": lines,
        "digest": total % 2**256,
        "export_bytes": export_path.stat().st_size,
        "merge": merging.as_dict(),
        "store": storing.as_dict(),
        "export": exporting.as_dict(),
        "upkeep": {"decode": decoding.cpu, "merge": remerging.cpu, "encode": encoding.cpu},
        "upkeep_releases": upkeep_releases,
        "rss_start": start_rss,
        "rss": turn.rss,
        "rss_after_export": export_rss,
        "peak_ingest": ingest_peak,
        "peak": peak_mb(),
    }


def phase_ocdsmerge(n: int, turn: Turn) -> dict[str, Any]:
    """The same releases, grouped per ocid, compiled by ocdsmerge's Merger with our patched schema."""
    from ocdsmerge import Merger

    from zhengcai.opendata import schema

    schema_path = Path(os.environ["ZC_VAR_DIR"]) / "release-schema.json"
    schema_path.write_text(json.dumps(schema.patched_release_schema(), ensure_ascii=False), encoding="utf-8")
    merger = Merger(schema=str(schema_path))  # a path: nothing is downloaded
    start_rss = rss_mb()
    compiling = Clock()
    done, records, total = 0, 0, 0
    source = processes(n, World())
    while True:
        turn.wait()
        groups: list[list[dict[str, Any]]] = []
        count = 0
        for process, published in source:
            groups.extend(by_ocid(process, published).values())
            count += published
            if count >= BATCH:
                break
        if not groups:
            break
        with compiling.timing():
            compiled = [merger.create_compiled_release(releases) for releases in groups]
        for record in compiled:
            total += digest(record)
        records += len(compiled)
        done += count
        turn.progress(done)
    return {
        "releases": done,
        "records": records,
        "digest": total % 2**256,
        "compile": compiling.as_dict(),
        "rss_start": start_rss,
        "rss": turn.rss,
        "peak": peak_mb(),
    }


# --- running ----------------------------------------------------------------------------------------


@contextmanager
def throwaway_database(admin_url: str | None, folder: str) -> Iterator[str]:
    """Yield a DATABASE_URL for a new, empty database; remove it afterwards."""
    if admin_url is None:
        yield f"sqlite:///{folder}/bench.sqlite3"
        return
    import psycopg

    name = f"zc_bench_ocds_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def child(phase: str, n: int, result_path: str, trace: bool) -> int:
    """One measurement in this (fresh) process, taking turns; the figures go to ``result_path`` as JSON."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "zhengcai.config.settings"
    os.environ["DEBUG"] = "0"  # no query log
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    if trace:
        import tracemalloc

        tracemalloc.start()
    run: Callable[[int, Turn], dict[str, Any]] = phase_ours if phase == "ours" else phase_ocdsmerge
    figures = run(n, Turn(n, phase))
    if trace:
        figures["traced_peak"] = tracemalloc.get_traced_memory()[1] / 2**20
    Path(result_path).write_text(json.dumps(figures), encoding="utf-8")
    print("end", flush=True)
    return 0


def take_turns(phases: list[str], n: int, env: dict[str, str], folder: str, trace: bool) -> dict[str, Any]:
    """Run one process per phase; let them work one batch at a time, in turn, until each has ended."""
    processes: dict[str, subprocess.Popen[str]] = {}
    start = time.perf_counter()
    try:
        for phase in phases:
            command = [sys.executable, __file__, "--phase", phase, "--n", str(n)]
            command += ["--result", str(Path(folder) / f"{phase}.json")] + (["--tracemalloc"] if trace else [])
            processes[phase] = subprocess.Popen(
                command, env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
        state = {phase: process.stdout.readline().strip() for phase, process in processes.items()}  # type: ignore[union-attr]
        while any(s in {"ready", "more"} for s in state.values()):
            for phase, process in processes.items():
                if state[phase] in {"ready", "more"}:
                    process.stdin.write("go\n")  # type: ignore[union-attr]
                    process.stdin.flush()  # type: ignore[union-attr]
                    state[phase] = process.stdout.readline().strip()  # type: ignore[union-attr]
        for phase, process in processes.items():
            if process.wait() != 0 or state[phase] != "end":
                raise SystemExit(f"the {phase} measurement failed")
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
    figures = {phase: json.loads((Path(folder) / f"{phase}.json").read_text(encoding="utf-8")) for phase in phases}
    figures["elapsed"] = time.perf_counter() - start
    return figures


def report(figures: dict[str, Any], n: int, load: tuple[str, str]) -> tuple[str, bool]:
    ours, ref = figures["ours"], figures["ocdsmerge"]
    identical = ours["digest"] == ours["digest_by_record"] == ref["digest"]
    identical = identical and ours["lines"] == ours["records"] == ref["records"]
    rows: list[tuple[str, str]] = [
        ("database", ours["vendor"]),
        ("releases", f"{n:,}"),
        ("compiled records (ocids)", f"{ours['records']:,}  ({n / ours['records']:.1f} releases each)"),
        ("export file", f"{ours['export_bytes'] / 2**20:,.1f} MiB JSON Lines"),
        ("load average before / after", f"{load[0]} / {load[1]}"),
        ("", ""),
    ]
    for clock in ("cpu", "wall"):
        export, theirs = ours["export"][clock], ref["compile"][clock]

        def ratio(merge: float, clock: str = clock, export: float = export, theirs: float = theirs) -> str:
            verdict = "met" if theirs / (merge + export) >= 3 else "MISSED"
            return f"{theirs / (merge + export):.2f}×  (target ≥ 3×: {verdict})"

        arrived, by_record = ours["merge"][clock], ours["merge_by_record"][clock]
        rows += [
            (f"[{clock}] ocdsmerge: compile (s)", f"{theirs:.2f}  ({n / theirs:,.0f} releases/s)"),
            (
                f"[{clock}] ours: merge as published (s)",
                f"{arrived:.2f}  ({arrived / n * 1e6:.1f} µs/release; records open in memory, releases interleaved)",
            ),
            (
                f"[{clock}] ours: merge record by record (s)",
                f"{by_record:.2f}  ({by_record / n * 1e6:.1f} µs/release; each record's releases together)",
            ),
            (
                f"[{clock}] ours: manage.py ocds_export (s)",
                f"{export:.2f}  ({ours['records'] / export:,.0f} records/s)",
            ),
            (f"[{clock}] ratio, as published + export", ratio(arrived)),
            (f"[{clock}] ratio, record by record + export", ratio(by_record)),
            ("", ""),
        ]
    sampled = max(ours["upkeep_releases"], 1)
    upkeep = {part: seconds / sampled * 1e6 for part, seconds in ours["upkeep"].items()}
    rows += [
        (
            "identical output",
            f"{'yes' if identical else 'NO'}: {ours['lines']:,} exported lines, {ref['records']:,} ocdsmerge records; "
            "sums of SHA-256 of their canonical JSON "
            f"{'equal' if ours['digest'] == ours['digest_by_record'] == ref['digest'] else 'DIFFERENT'}",
        ),
        (
            "release_publish's record upkeep (cpu, µs/release)",
            f"{sum(upkeep.values()):.0f} = decode {upkeep['decode']:.0f} + merge_release {upkeep['merge']:.0f} "
            f"+ encode {upkeep['encode']:.0f}  (sampled: {ours['upkeep_releases']:,} releases; not in the ratio)",
        ),
        ("setup: storing the records (s)", f"{ours['store']['wall']:.2f} wall"),
        ("", ""),
        ("ours: RSS after setup (MiB)", f"{ours['rss_start']:,.0f}"),
        ("ours: RSS at 10 %, 20 % … 100 % (MiB)", " ".join(f"{v:,.0f}" for v in ours["rss"])),
        ("ours: RSS after the export (MiB)", f"{ours['rss_after_export']:,.0f}"),
        ("ours: peak RSS, ingest / whole run (MiB)", f"{ours['peak_ingest']:,.0f} / {ours['peak']:,.0f}"),
        ("ocdsmerge: RSS after setup (MiB)", f"{ref['rss_start']:,.0f}"),
        ("ocdsmerge: RSS at 10 %, 20 % … 100 % (MiB)", " ".join(f"{v:,.0f}" for v in ref["rss"])),
        ("ocdsmerge: peak RSS (MiB)", f"{ref['peak']:,.0f}"),
    ]
    if "traced_peak" in ours:
        rows.append(
            ("tracemalloc peak ours / ocdsmerge (MiB)", f"{ours['traced_peak']:,.1f} / {ref['traced_peak']:,.1f}")
        )
    rows.append(("run time, both measurements (s)", f"{figures['elapsed']:,.0f}"))
    width = max(len(label) for label, _ in rows)
    lines = [f"{label:<{width}}  {value}" if label else "" for label, value in rows]
    rule = "-" * (width + 60)
    return "\n".join([rule, *lines, rule]), identical


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="number of releases (default 100,000)")
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL admin URL (e.g. postgres://postgres@127.0.0.1:5432/postgres): a temporary database "
        "is created on that server and dropped afterwards. Default: an SQLite file in a temporary folder.",
    )
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python's allocations (slower)")
    parser.add_argument("--phase", choices=["ours", "ocdsmerge"], help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.n < 100:
        parser.error("--n must be at least 100")
    if args.phase:
        return child(args.phase, args.n, args.result, args.tracemalloc)
    # a terminated run still drops its database and removes its folder (the finally clauses run)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    folder = tempfile.mkdtemp(prefix="zc-bench-ocds-")
    before = load_average()
    try:
        with throwaway_database(args.database_url, folder) as url:
            env = {**os.environ, "DATABASE_URL": url, "ZC_VAR_DIR": folder}
            print(
                f"{args.n:,} releases: ocdsmerge compiling them, and ours merging them as they arrive, storing the "
                "records and exporting them, a batch each in turn …",
                flush=True,
            )
            figures = take_turns(["ocdsmerge", "ours"], args.n, env, folder, args.tracemalloc)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    text, identical = report(figures, args.n, (before, load_average()))
    print(f"\nocds_export benchmark — Python {platform.python_version()}, {os.cpu_count()} CPU(s)")
    print(text)
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
