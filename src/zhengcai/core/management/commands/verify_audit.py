from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zhengcai.core.audit import verify_chain
from zhengcai.core.models import AuditEvent


class Command(BaseCommand):
    help = "Recompute the audit log's hash chain and report every edited or missing row."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = list(verify_chain())
        total = AuditEvent.objects.count()
        if problems:
            for problem in problems:
                self.stderr.write(f"#{problem.seq} {problem.kind}: {problem.detail}")
            raise CommandError(f"audit log tampered: {len(problems)} problem(s) in {total} rows")
        self.stdout.write(self.style.SUCCESS(f"audit log intact: {total} rows verified"))
