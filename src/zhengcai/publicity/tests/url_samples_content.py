from __future__ import annotations

from typing import Any

CONTENT_URL_SAMPLES: dict[str, Any] = {}
