"""Evaluation API: the chain operations (mounted by evaluation/api.py)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["evaluation"])
