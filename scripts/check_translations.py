#!/usr/bin/env python
"""Check that the Simplified Chinese catalogue is complete and up to date.

Run from the project root:  .venv/bin/python scripts/check_translations.py

Fails (exit 1) and lists the msgids concerned when
  * an entry of src/zhengcai/locale/zh_Hans/LC_MESSAGES/django.po is untranslated or fuzzy;
  * ``msgfmt --check`` rejects the .po (placeholders, plural forms, header);
  * the .po is stale: makemessages, run on a temporary copy of src/zhengcai, finds msgids
    that the .po lacks, or the .po has entries that the source no longer uses;
  * an app has its own ``locale`` folder (every string belongs in src/zhengcai/locale).

Standard library only; GNU gettext (msgfmt, xgettext, msgmerge) must be on PATH.
To fix a failure: cd src/zhengcai && ../../.venv/bin/python ../../manage.py makemessages -l zh_Hans -l en
--ignore='demo/*' -v0, then translate the listed msgids in the zh_Hans django.po.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
PACKAGE = SRC / "zhengcai"
LOCALE = PACKAGE / "locale"
LANGUAGE = "zh_Hans"
PO_FILE = LOCALE / LANGUAGE / "LC_MESSAGES" / "django.po"
# Must match how the team runs makemessages (see the module docstring).
MAKEMESSAGES_IGNORE = ["demo/*"]
TIMEOUT_S = 120

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_KEYWORD = re.compile(r"^(msgctxt|msgid|msgid_plural|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")
_NPLURALS = re.compile(r"nplurals\s*=\s*(\d+)")

# (msgctxt, msgid, msgid_plural): what identifies a message to gettext.
Key = tuple[str | None, str, str | None]


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)

    @property
    def key(self) -> Key:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    def label(self) -> str:
        where = f" ({self.references[0]})" if self.references else ""
        ctxt = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"{ctxt}{self.msgid!r}{where}"


class PoSyntaxError(Exception):
    pass


def _unquote(token: str, path: Path, lineno: int) -> str:
    if len(token) < 2 or not (token.startswith('"') and token.endswith('"')):
        raise PoSyntaxError(f"{path}:{lineno}: expected a quoted string, got {token!r}")
    body = token[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def parse_po(path: Path) -> list[Entry]:
    """Parse a .po file into its active entries (header included, obsolete #~ entries left out)."""
    entries: list[Entry] = []
    pending_flags: set[str] = set()
    pending_refs: list[str] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # which field continuation lines extend
    seen_msgstr = False
    awaiting_msgid = False

    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            target = None
            continue
        if line.startswith("#"):
            target = None
            if line.startswith("#,"):
                pending_flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            elif line.startswith("#:"):
                pending_refs += line[2:].split()
            continue
        if line.startswith('"'):
            if current is None or target is None:
                raise PoSyntaxError(f"{path}:{lineno}: string continuation outside an entry")
            text = _unquote(line, path, lineno)
            name, index = target
            if name == "msgctxt":
                current.msgctxt = (current.msgctxt or "") + text
            elif name == "msgid":
                current.msgid += text
            elif name == "msgid_plural":
                current.msgid_plural = (current.msgid_plural or "") + text
            else:
                current.msgstr[index] += text
            continue
        match = _KEYWORD.match(line)
        if match is None:
            raise PoSyntaxError(f"{path}:{lineno}: cannot parse {raw!r}")
        keyword, index_text, token = match.groups()
        text = _unquote(token, path, lineno)
        # An entry starts at msgctxt, or at a msgid that does not directly follow a msgctxt.
        if keyword == "msgctxt" or (keyword == "msgid" and not awaiting_msgid):
            if current is not None:
                if not seen_msgstr:
                    raise PoSyntaxError(f"{path}:{current.line}: entry without msgstr")
                entries.append(current)
            current = Entry(line=lineno, flags=pending_flags, references=pending_refs)
            pending_flags, pending_refs = set(), []
            seen_msgstr = False
        awaiting_msgid = keyword == "msgctxt"
        if current is None:
            raise PoSyntaxError(f"{path}:{lineno}: {keyword} before msgid")
        if keyword == "msgctxt":
            current.msgctxt = text
            target = ("msgctxt", 0)
        elif keyword == "msgid":
            current.msgid = text
            target = ("msgid", 0)
        elif keyword == "msgid_plural":
            current.msgid_plural = text
            target = ("msgid_plural", 0)
        else:
            index = int(index_text) if index_text is not None else 0
            current.msgstr[index] = text
            target = ("msgstr", index)
            seen_msgstr = True
    if current is not None:
        if not seen_msgstr:
            raise PoSyntaxError(f"{path}:{current.line}: entry without msgstr")
        entries.append(current)
    return entries


def nplurals_of(header: Entry | None) -> int:
    if header is None:
        return 1
    match = _NPLURALS.search(header.msgstr.get(0, ""))
    return int(match.group(1)) if match else 1


def check_catalogue(entries: list[Entry]) -> list[str]:
    """Untranslated and fuzzy entries, and a fuzzy or missing header."""
    problems: list[str] = []
    header = next((e for e in entries if e.msgid == "" and e.msgctxt is None), None)
    if header is None:
        problems.append('the .po has no header entry (msgid "")')
    elif "fuzzy" in header.flags:
        problems.append("the header entry is marked fuzzy: remove its '#, fuzzy' line")
    nplurals = nplurals_of(header)
    untranslated: list[Entry] = []
    fuzzy: list[Entry] = []
    for entry in entries:
        if entry is header:
            continue
        if "fuzzy" in entry.flags:
            fuzzy.append(entry)
        wanted = range(nplurals) if entry.msgid_plural is not None else range(1)
        if any(not entry.msgstr.get(i, "").strip() for i in wanted):
            untranslated.append(entry)
    if untranslated:
        problems.append(f"{len(untranslated)} untranslated msgid(s):")
        problems += [f"    {e.label()}" for e in untranslated]
    if fuzzy:
        problems.append(f"{len(fuzzy)} fuzzy msgid(s) (check the translation, then remove '#, fuzzy'):")
        problems += [f"    {e.label()}" for e in fuzzy]
    return problems


def run_msgfmt(path: Path) -> list[str]:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return ["msgfmt not found: install GNU gettext (apt-get install gettext)"]
    result = subprocess.run(  # noqa: S603 - fixed program and arguments, no shell
        [msgfmt, "--check", "-o", os.devnull, str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT_S,
    )
    if result.returncode == 0:
        return []
    return ["msgfmt --check rejected the .po:", *(f"    {line}" for line in result.stderr.strip().splitlines())]


def stray_locale_dirs() -> list[str]:
    stray = sorted(p for p in PACKAGE.rglob("locale") if p.is_dir() and p != LOCALE and "__pycache__" not in p.parts)
    if not stray:
        return []
    return [
        "per-app locale folders found; move their strings into src/zhengcai/locale and delete them:",
        *(f"    {p.relative_to(ROOT)}" for p in stray),
    ]


def extract_source_messages(workdir: Path) -> list[Entry]:
    """Run makemessages on a copy of src/zhengcai and return the catalogue it builds from scratch."""
    copy = workdir / "src" / "zhengcai"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "locale"), symlinks=True)
    (copy / "locale").mkdir()
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": str(workdir / "src"),
            "DJANGO_SETTINGS_MODULE": "zhengcai.config.settings",
            "ZC_ENV": "dev",  # settings only; no database is opened
            "ZC_VAR_DIR": str(workdir / "var"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    command = [sys.executable, "-P", "-m", "django", "makemessages", "-l", LANGUAGE, "-v0"]
    command += [f"--ignore={pattern}" for pattern in MAKEMESSAGES_IGNORE]
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments, no shell
        command, cwd=copy, env=env, capture_output=True, text=True, check=False, timeout=TIMEOUT_S
    )
    fresh = copy / "locale" / LANGUAGE / "LC_MESSAGES" / "django.po"
    if result.returncode != 0 or not fresh.exists():
        detail = (result.stderr or result.stdout).strip() or "no .po was written"
        raise RuntimeError(f"makemessages failed on the temporary copy (exit {result.returncode}):\n{detail}")
    return parse_po(fresh)


def check_stale(entries: list[Entry]) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="zc-makemessages-") as tmp:
        try:
            fresh = extract_source_messages(Path(tmp))
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            return [f"cannot check whether the .po is up to date: {exc}"]
    in_po = {e.key for e in entries if e.msgid}
    in_source = {e.key: e for e in fresh if e.msgid}
    missing = [e for key, e in in_source.items() if key not in in_po]
    unused = [e for e in entries if e.msgid and e.key not in in_source]
    problems: list[str] = []
    if missing:
        problems.append(f"{len(missing)} msgid(s) used in the source are missing from the .po (run makemessages):")
        problems += [f"    {e.label()}" for e in missing]
    if unused:
        problems.append(f"{len(unused)} msgid(s) in the .po are no longer used in the source (run makemessages):")
        problems += [f"    {e.label()}" for e in unused]
    return problems


def main() -> int:
    if not PO_FILE.exists():
        print(f"translations: {PO_FILE.relative_to(ROOT)} does not exist; run makemessages -l {LANGUAGE}")
        return 1
    try:
        entries = parse_po(PO_FILE)
    except PoSyntaxError as exc:
        print(f"translations: {exc}")
        return 1
    problems = check_catalogue(entries) + run_msgfmt(PO_FILE) + stray_locale_dirs() + check_stale(entries)
    count = sum(1 for e in entries if e.msgid)
    if problems:
        print(f"translations: {PO_FILE.relative_to(ROOT)} ({count} entries) is not complete:")
        for problem in problems:
            print(f"  {problem}")
        print(
            "Fix: cd src/zhengcai && ../../.venv/bin/python ../../manage.py makemessages -l zh_Hans -l en "
            "--ignore='demo/*' -v0, translate the msgids above in the zh_Hans django.po, then compilemessages."
        )
        return 1
    print(f"translations: {count} entries, all translated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
