#!/usr/bin/env python
"""Refresh the catalogue and fill in Chinese translations from JSON files, under a lock.

    .venv/bin/python scripts/i18n_update.py [translations.json ...]

Runs makemessages (as scripts/check_translations.py expects), then sets each msgid's zh_Hans msgstr
from the JSON objects given ({"English msgid": "中文", "plural msgid": ["中文"]}, clearing "fuzzy"),
then compilemessages. A lock file (var/i18n.lock) keeps several people or agents working in one tree
from overwriting each other's catalogue. Prints msgids of the JSON that the catalogue does not have.
"""

from __future__ import annotations

import fcntl
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "zhengcai"
PO = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PYTHON = ROOT / ".venv" / "bin" / "python"
ENTRY = re.compile(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) (".*")$')


def _unquote(token: str) -> str:
    return str(json.loads(token))


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def apply(translations: dict[str, str | list[str]]) -> set[str]:
    """Set msgstrs in the zh_Hans .po; return the msgids that were not found."""
    blocks = PO.read_text(encoding="utf-8").split("\n\n")
    done: set[str] = set()
    out = []
    for original in blocks:
        block = original
        lines = block.split("\n")
        parts: dict[str, str] = {}
        current = None
        for line in lines:
            match = ENTRY.match(line)
            if match:
                current = match.group(1)
                parts[current] = _unquote(match.group(2))
            elif line.startswith('"') and current:
                parts[current] += _unquote(line)
            else:
                current = None
        msgid = parts.get("msgid")
        if msgid and msgid in translations:
            value = translations[msgid]
            comments = [ln for ln in lines if ln.startswith("#") and not ln.startswith("#|")]
            comments = [re.sub(r",?\s*fuzzy", "", ln) if ln.startswith("#,") else ln for ln in comments]
            new = [ln for ln in comments if ln.strip() not in ("#,", "#")] + ["msgid " + _quote(msgid)]
            if "msgid_plural" in parts:
                new.append("msgid_plural " + _quote(parts["msgid_plural"]))
                for i, text in enumerate(value if isinstance(value, list) else [value]):
                    new.append(f"msgstr[{i}] " + _quote(text))
            else:
                new.append("msgstr " + _quote(value if isinstance(value, str) else value[0]))
            block = "\n".join(new)
            done.add(msgid)
        out.append(block)
    PO.write_text("\n\n".join(out), encoding="utf-8")
    return set(translations) - done


def main(paths: list[str]) -> int:
    (ROOT / "var").mkdir(exist_ok=True)
    with open(ROOT / "var" / "i18n.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manage = [str(PYTHON), str(ROOT / "manage.py")]
        subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
            [*manage, "makemessages", "-l", "zh_Hans", "-l", "en", "-v0", "--ignore=demo/*"], cwd=PACKAGE, check=True
        )
        missing: set[str] = set()
        for path in paths:
            missing |= apply(json.loads(Path(path).read_text(encoding="utf-8")))
        subprocess.run([*manage, "compilemessages", "-v0"], cwd=PACKAGE, check=True)  # noqa: S603
    for msgid in sorted(missing):
        print(f"not in the catalogue (is the string still in the source?): {msgid!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
