from __future__ import annotations

from typing import Any

POLICIES_URL_SAMPLES: dict[str, Any] = {}
