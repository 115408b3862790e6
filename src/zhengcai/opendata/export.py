"""Bulk export of the compiled releases: every record's ``compiledRelease``, one JSON object per line.

The records are kept compiled as releases are published (``services.release_publish`` merges each new
release into its record), so an export merges nothing: it streams the stored compiled releases in
keyset chunks on ``ocid`` (constant memory, one short query per chunk, no transaction held open) and
writes each one's stored JSON text as it is, neither decoded nor encoded again. That text is the
database's own: on SQLite the compact text our encoder wrote (``jsoncodec``); on PostgreSQL ``jsonb``'s
rendering (a space after ``:`` and ``,``, keys in ``jsonb``'s order). The values are the same either way,
amounts keep their two decimal places, and a line never holds a raw newline (JSON escapes it in strings).

``benchmarks/ocds_export.py`` measures this path, with the merging it relies on, against ocdsmerge.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from django.db.models import TextField
from django.db.models.functions import Cast

from .models import Record

EXPORT_CHUNK = 500
GZIP_LEVEL = 6
WRITE_BUFFER = 1 << 20


class Output(Protocol):
    """Where ``export_file`` writes: the binary file, or a ``GzipFile`` around it."""

    def write(self, data: bytes, /) -> int: ...


def compiled_release_lines(*, chunk: int = EXPORT_CHUNK) -> Iterator[str]:
    """Each record's compiled release as one line of JSON (newline included), in ``ocid`` order."""
    rows = Record.objects.order_by("ocid").values_list("ocid", Cast("compiled_release", output_field=TextField()))
    after: str | None = None
    while True:
        page = rows if after is None else rows.filter(ocid__gt=after)
        batch = list(page[:chunk])
        if not batch:
            return
        for _ocid, text in batch:
            yield text + "\n"
        after = batch[-1][0]


def write_compiled_releases(write: Callable[[str], object], *, chunk: int = EXPORT_CHUNK) -> int:
    """Write every compiled release as JSON Lines, one ``write`` of text per chunk; return how many."""
    count = 0
    lines: list[str] = []
    for line in compiled_release_lines(chunk=chunk):
        lines.append(line)
        if len(lines) == chunk:
            write("".join(lines))
            count += len(lines)
            lines = []
    if lines:
        write("".join(lines))
    return count + len(lines)


@contextmanager
def export_file(path: Path) -> Iterator[Output]:
    """A file written beside ``path`` and moved onto it only when complete; gzip-compressed if ``path``
    ends in ``.gz``. A failed export leaves the previous file in place."""
    part = path.with_name(path.name + ".part")
    try:
        with part.open("wb", buffering=WRITE_BUFFER) as raw:
            if path.suffix == ".gz":
                name = path.name.removesuffix(".gz")
                with gzip.GzipFile(name, "wb", GZIP_LEVEL, fileobj=raw, mtime=0) as zipped:
                    yield zipped
            else:
                yield raw
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
