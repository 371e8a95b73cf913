"""Build the Vietnamese catalogue from its parts, and find strings still untranslated.

Each domain keeps its Vietnamese translations in its own part,
`marketplace/translations/vi/parts/<domain>.po`, so that work on one domain never
conflicts with another. `python -m marketplace.i18n_build` merges the parts into
`marketplace/translations/vi/LC_MESSAGES/messages.mo`; `--check` lists every message
translated in more than one part (keep it in one), and every string in
the code and templates that has no Vietnamese translation (exit 1 if any), WTForms' own
built-in messages included (read from the `wtforms.pot` WTForms ships), since every form
of the site asks the site's catalogue for them (`marketplace.forms.FlaskForm`).

A msgid is identified together with its message context (`msgctxt`, from `pgettext` /
`lazy_pgettext` in code and `pgettext` in templates): "Accept" (an invitation) and
"Accept" in the context "milestone" (nghiệm thu) are two messages."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from wtforms.i18n import messages_path

ROOT = Path(__file__).resolve().parent.parent
VI_DIR = ROOT / "marketplace" / "translations" / "vi"
PARTS_DIR = VI_DIR / "parts"
MO_FILE = VI_DIR / "LC_MESSAGES" / "messages.mo"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None,
            "_l": None, "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2),
            "lazy_pgettext": ((1, "c"), 2), "_p": ((1, "c"), 2),
            "npgettext": ((1, "c"), 2, 3)}
METHODS = [("**.py", "python"), ("**.html", "jinja2"), ("**.txt", "jinja2")]


def merged_catalog() -> Catalog:
    catalog = Catalog(locale="vi", project="first-customer-marketplace")
    for part in sorted(PARTS_DIR.glob("*.po")):
        with part.open("rb") as fh:
            for message in read_po(fh, locale="vi"):
                if message.id and message.string:
                    catalog[message.id] = message
    return catalog


def build(target: Path = MO_FILE) -> Path:
    """Write the compiled catalogue to `target`, atomically (a temporary file renamed):
    several processes starting at once never read half a file. Raises OSError when the
    folder cannot be written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".messages-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            write_mo(fh, merged_catalog())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def is_current(mo_file: Path = MO_FILE) -> bool:
    """The compiled catalogue exists and is newer than every part."""
    if not mo_file.exists():
        return False
    built = mo_file.stat().st_mtime
    return all(part.stat().st_mtime <= built for part in PARTS_DIR.glob("*.po"))


def wtforms_messages() -> dict[object, str]:
    """WTForms' built-in messages (msgid, or (singular, plural)), from its own template."""
    with (Path(messages_path()) / "wtforms.pot").open("rb") as fh:
        return {message.id: "wtforms/locale/wtforms.pot" for message in read_po(fh)
                if message.id}


def source_messages() -> dict[tuple[object, str | None], str]:
    """Every translatable string in the package, the templates and WTForms, keyed by
    (msgid, msgctxt), with where it is."""
    found: dict[tuple[object, str | None], str] = {}
    for folder in (ROOT / "marketplace", ROOT / "templates"):
        for filename, lineno, message, _comments, context in extract_from_dir(
            str(folder), METHODS, keywords=KEYWORDS,
            options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
        ):
            found.setdefault((message, context), f"{folder.name}/{filename}:{lineno}")
    for message, where in wtforms_messages().items():
        found.setdefault((message, None), where)
    return found


def missing() -> dict[tuple[object, str | None], str]:
    catalog = merged_catalog()
    result = {}
    for (message, context), where in source_messages().items():
        key = message[0] if isinstance(message, tuple) else message
        if catalog.get(key, context=context) is None:
            result[(message, context)] = where
    return result


def part_messages() -> dict[tuple[str, str | None], dict[str, object]]:
    """Each (msgid, msgctxt) of the parts → {part file name: its translation}: one message
    translated in two parts is a conflict waiting to happen (the last part silently wins)."""
    seen: dict[tuple[str, str | None], dict[str, object]] = {}
    for part in sorted(PARTS_DIR.glob("*.po")):
        with part.open("rb") as fh:
            for message in read_po(fh, locale="vi"):
                if message.id:
                    key = message.id[0] if isinstance(message.id, tuple) else message.id
                    seen.setdefault((key, message.context), {})[part.name] = message.string
    return seen


def duplicated() -> dict[tuple[str, str | None], list[str]]:
    """Each (msgid, msgctxt) translated in more than one part → those parts. One message
    belongs to one part: two copies drift apart (and the last part silently wins)."""
    return {key: sorted(parts) for key, parts in part_messages().items() if len(parts) > 1}


def _po_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def main(argv: list[str]) -> int:
    if "--check" in argv:
        gaps = missing()
        for (message, context), where in sorted(gaps.items(), key=lambda item: item[1]):
            print(f"#: {where}")
            if context:
                print(f'msgctxt "{_po_escape(context)}"')
            if isinstance(message, tuple):
                print(f'msgid "{_po_escape(message[0])}"')
                print(f'msgid_plural "{_po_escape(message[1])}"')
                print('msgstr[0] ""\n')
            else:
                print(f'msgid "{_po_escape(message)}"\nmsgstr ""\n')
        print(f"# {len(gaps)} untranslated", file=sys.stderr)
        twice = duplicated()
        for (message, context), parts in sorted(twice.items(), key=lambda item: item[0][0]):
            where = f" (context {context})" if context else ""
            print(f"# translated in {', '.join(parts)}: {message!r}{where}", file=sys.stderr)
        print(f"# {len(twice)} translated in more than one part", file=sys.stderr)
        return 1 if gaps or twice else 0
    print(f"wrote {build()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
