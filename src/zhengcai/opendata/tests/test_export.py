"""``manage.py ocds_export``: every record's compiled release as JSON Lines, streamed from the stored records."""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from ocdsmerge import Merger

from zhengcai.opendata import export, jsoncodec
from zhengcai.opendata.models import Record, Release

from .conftest import Lifecycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty folder for the export (``tmp_path`` also holds the media folder)."""
    path = tmp_path / "export"
    path.mkdir()
    return path


def run(*args: str, **options: Any) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("ocds_export", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_every_compiled_release_one_per_line_in_ocid_order(lifecycle: Lifecycle, folder: Path) -> None:
    path = folder / "compiled.jsonl"
    _, err = run("--output", str(path), "--chunk", "2")  # 3 records: two chunks
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    lines = text.splitlines()
    records = list(Record.objects.order_by("ocid"))
    assert len(records) == 3
    assert [jsoncodec.loads(line) for line in lines] == [r.compiled_release for r in records]
    assert "3 compiled releases written to" in err
    assert list(folder.iterdir()) == [path]  # no .part left behind
    assert '"amount": 1700000.00' in text or '"amount":1700000.00' in text  # amounts keep their two places


def test_the_export_equals_ocdsmerge_compiling_each_records_releases(
    lifecycle: Lifecycle, folder: Path, patched_schema_path: str
) -> None:
    path = folder / "compiled.jsonl"
    run("--output", str(path))
    merger = Merger(schema=patched_schema_path)
    for line in path.read_text(encoding="utf-8").splitlines():
        compiled = jsoncodec.loads(line)
        releases = [r.data for r in Release.objects.filter(ocid=compiled["ocid"]).order_by("seq")]
        assert compiled == merger.create_compiled_release(releases)


def test_the_text_is_the_stored_text(lifecycle: Lifecycle) -> None:
    """Nothing is decoded or encoded again: on SQLite the encoder's compact text, on PostgreSQL jsonb's."""
    lines = list(export.compiled_release_lines())
    for line, record in zip(lines, Record.objects.order_by("ocid"), strict=True):
        assert "\n" not in line[:-1]
        if connection.vendor == "sqlite":
            assert line == jsoncodec.dumps(record.compiled_release) + "\n"
        else:
            assert line.startswith('{"id": ')  # jsonb's rendering: shorter keys first, a space after ":"


def test_gzip_when_the_name_ends_in_gz(lifecycle: Lifecycle, folder: Path) -> None:
    run("--output", str(folder / "compiled.jsonl"))
    run("--output", str(folder / "compiled.jsonl.gz"))
    zipped = (folder / "compiled.jsonl.gz").read_bytes()
    assert gzip.decompress(zipped) == (folder / "compiled.jsonl").read_bytes()


def test_standard_output_by_default(lifecycle: Lifecycle) -> None:
    out, err = run()
    assert [jsoncodec.loads(line)["ocid"] for line in out.splitlines()] == list(
        Record.objects.order_by("ocid").values_list("ocid", flat=True)
    )
    assert "written to standard output" in err


def test_one_query_per_chunk(lifecycle: Lifecycle, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(4):  # 3 chunks of one record, and the empty one that ends it
        assert len(list(export.compiled_release_lines(chunk=1))) == 3


def test_a_failed_export_leaves_the_previous_file(
    lifecycle: Lifecycle, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = folder / "compiled.jsonl"
    path.write_text("previous\n", encoding="utf-8")

    def broken(*, chunk: int) -> Any:
        yield "{}\n"
        raise RuntimeError("database went away")

    monkeypatch.setattr(export, "compiled_release_lines", broken)
    with pytest.raises(RuntimeError):
        run("--output", str(path))
    assert path.read_text(encoding="utf-8") == "previous\n"
    assert list(folder.iterdir()) == [path]


def test_no_records_no_lines(db: Any, folder: Path) -> None:
    path = folder / "compiled.jsonl"
    _, err = run("--output", str(path))
    assert path.read_bytes() == b""
    assert "0 compiled releases" in err


@pytest.mark.parametrize(
    ("args", "message"), [(["--chunk", "0"], "--chunk"), (["-o", "/nonexistent/x.jsonl"], "folder")]
)
def test_bad_arguments(db: Any, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)
