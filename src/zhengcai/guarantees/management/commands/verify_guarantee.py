"""Verify a letter of guarantee from its QR payload (or the URL it encodes), or from its number.

Offline by default for a payload: only the bureau's public key (this platform's, or --bureau-key) is used,
no database. ``--online`` (or a --number) also checks the platform's record: key revocation and status.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zhengcai.core import clock
from zhengcai.guarantees import offline, services, signing


class Command(BaseCommand):
    help = "Verify an electronic letter of guarantee: offline from its QR payload, or online (--online/--number)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("payload", nargs="?", default="", help="the QR payload (ZCG1.…) or its URL; - for stdin")
        parser.add_argument("--number", default="", help="check the guarantee with this number on record")
        parser.add_argument("--online", action="store_true", help="also check the platform's record")
        parser.add_argument("--bureau-key", default="", help="the bureau's public key (default: this platform's)")
        parser.add_argument("--on", type=dt.date.fromisoformat, default=None, help="check the dates on this day")

    def handle(self, *args: Any, **options: Any) -> None:
        text = sys.stdin.read() if options["payload"] == "-" else options["payload"]
        if not text and not options["number"]:
            raise CommandError("give a payload (or its URL) or --number")
        if options["number"] or options["online"]:
            result = services.guarantee_verify(payload=text or None, number=options["number"] or None, at=clock.now())
            lines = [(p.code, p.message_zh, p.message_en) for p in result.problems]
            valid, where = result.valid, "online"
        else:
            bureau = options["bureau_key"] or signing.bureau_public_key()
            off = offline.verify_offline(text, bureau_public_key=bureau, on=options["on"])
            if off.payload is not None:
                for label, value in offline.describe(off.payload):
                    self.stdout.write(f"{label}: {value}")
            lines = [(code, zh, en) for code, en, zh in off.messages()]
            valid, where = off.valid, "offline"
        if valid:
            self.stdout.write(self.style.SUCCESS(f"VALID 有效 ({where})"))
            return
        self.stdout.write(self.style.ERROR(f"NOT VALID 无效 ({where})"))
        for code, zh, en in lines:
            self.stdout.write(f"  - [{code}] {zh} / {en}")
        raise CommandError("the guarantee is not valid", returncode=1)
