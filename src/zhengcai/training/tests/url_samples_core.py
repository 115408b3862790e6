from __future__ import annotations

from typing import Any

CORE_URL_SAMPLES: dict[str, Any] = {}
