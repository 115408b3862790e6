"""Question banks, assessments, attempts and certificates."""

from __future__ import annotations

__all__: list[str] = []
