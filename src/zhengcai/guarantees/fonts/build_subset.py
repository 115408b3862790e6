"""Rebuild the bundled CJK font subset (run by hand; the result is committed).

    apt-get install fonts-noto-cjk
    .venv/bin/python src/zhengcai/guarantees/fonts/build_subset.py

Takes Noto Sans CJK SC (Regular and Bold) from Debian's fonts-noto-cjk (SIL OFL 1.1) and keeps the
characters of GB 2312 (6,763 hanzi and its symbols), ASCII, Latin-1, CJK punctuation and full-width
forms: what a letter of guarantee prints. Regular only (bold is synthesized), compressed as WOFF2: about
2 MB. WeasyPrint embeds (and subsets again) only the glyphs a document uses. Not imported by the application.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = Path("/usr/share/fonts/opentype/noto")
HERE = Path(__file__).resolve().parent
FAMILY = "Noto Sans CJK SC"


def gb2312() -> set[int]:
    chars: set[int] = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([hi, lo]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return chars


def wanted() -> set[int]:
    chars = gb2312()
    chars |= set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))  # ASCII, Latin-1
    chars |= set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))  # CJK punctuation, full-width forms
    chars |= set(range(0x2010, 0x2070)) | {0x2116, 0x2103, 0x00A5, 0x2192, 0x2713, 0x2717, 0x25A0, 0x25CF}
    return chars


def build(weight: str) -> Path:
    collection = TTCollection(str(SOURCE / f"NotoSansCJK-{weight}.ttc"))
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == FAMILY)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(wanted()))
    subsetter.subset(font)
    font.flavor = "woff2"
    out = HERE / f"NotoSansSC-GB2312-{weight}.woff2"
    font.save(str(out))
    return out


if __name__ == "__main__":
    for w in ("Regular",):
        path = build(w)
        sys.stdout.write(f"{path.name}: {path.stat().st_size / 1e6:.2f} MB\n")
