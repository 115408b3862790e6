from __future__ import annotations

from typing import Any

CHANNEL_URL_SAMPLES: dict[str, Any] = {}
