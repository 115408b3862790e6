from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zhengcai.opendata.export import EXPORT_CHUNK, export_file, write_compiled_releases


class Command(BaseCommand):
    help = (
        "Write every OCDS record's compiled release as JSON Lines, one per line in ocid order, "
        "streamed from the stored records in constant memory."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--output",
            "-o",
            default="-",
            help="file to write, '-' for standard output (the default); a name ending in .gz is gzip-compressed. "
            "A file appears only once it is complete.",
        )
        parser.add_argument("--chunk", type=int, default=EXPORT_CHUNK, help="records read per query")

    def handle(self, *args: Any, **options: Any) -> None:
        chunk = options["chunk"]
        if chunk < 1:
            raise CommandError("--chunk must be at least 1")
        output = options["output"]
        if output == "-":
            count = write_compiled_releases(lambda text: self.stdout.write(text, ending=""), chunk=chunk)
            self.stdout.flush()
            where = "standard output"
        else:
            path = Path(output)
            if not path.parent.is_dir():
                raise CommandError(f"no such folder: {path.parent}")
            with export_file(path) as out:
                count = write_compiled_releases(lambda text: out.write(text.encode()), chunk=chunk)
            where = str(path)
        self.stderr.write(f"{count} compiled releases written to {where}")
