from __future__ import annotations

from typing import Any

SERVICE_URL_SAMPLES: dict[str, Any] = {}
