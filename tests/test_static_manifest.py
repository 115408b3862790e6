"""The demo and production serve static files through a manifest storage (hashed names). Its collectstatic
refuses any file that references a missing one (e.g. a vendored script's source map), which would stop
./scripts/demo before the server starts: collect everything once with the same reference checking."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.test import override_settings


def test_collectstatic_with_the_manifest_storage_finds_every_reference(tmp_path: Path, settings: Any) -> None:
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/chart.umd.min.js" in manifest
    assert "vendor/htmx.min.js" in manifest
