from __future__ import annotations

from typing import Any

ASSESSMENT_URL_SAMPLES: dict[str, Any] = {}
