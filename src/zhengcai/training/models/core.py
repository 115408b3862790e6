"""Courses, sessions, participants, registrations and attendance."""

from __future__ import annotations

__all__: list[str] = []
