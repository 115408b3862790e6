from __future__ import annotations

from typing import Any

OUTREACH_URL_SAMPLES: dict[str, Any] = {}
