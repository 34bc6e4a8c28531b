"""The Simplified Chinese catalogue: complete, compiled, current, and what users actually see.

CI machines have no gettext tools, so the compiled .mo is committed; these tests catch a .po
with gaps, a .mo left stale after editing the .po, and strings added to the code without
`make messages`.
"""

from __future__ import annotations

import ast
import gettext
import io
import re
import struct
import tokenize
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils.translation.template import templatize

from fangkong.accounts.models import ApiToken
from fangkong.accounts.services import issue_token

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

# The same folders `make messages` leaves out.
IGNORED_DIRS = {".venv", "var", "bench", "e2e", ".git", "node_modules", "locale", "static"}


@dataclass(frozen=True)
class Entry:
    msgid: str
    msgstr: tuple[str, ...]
    msgctxt: str | None = None
    msgid_plural: str | None = None
    fuzzy: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


def read_po(path: Path) -> list[Entry]:
    """Entries of a .po file, the header and obsolete (#~) entries left out."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, list[str]] = {}
        fuzzy = False
        current = ""
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                fields[current].append(ast.literal_eval(line))
            else:
                keyword, _space, literal = line.partition(" ")
                current = keyword
                fields[current] = [ast.literal_eval(literal)]
        if "msgid" not in fields or fields["msgid"] == [""]:
            continue
        joined = {k: "".join(v) for k, v in fields.items()}
        plural = "msgid_plural" in joined
        msgstr = (
            tuple(v for k, v in sorted(joined.items()) if k.startswith("msgstr[")) if plural else (joined["msgstr"],)
        )
        entries.append(
            Entry(
                msgid=joined["msgid"],
                msgstr=msgstr,
                msgctxt=joined.get("msgctxt"),
                msgid_plural=joined.get("msgid_plural"),
                fuzzy=fuzzy,
            )
        )
    return entries


PO_ENTRIES = read_po(PO_PATH)

# xgettext's keywords as makemessages passes them: name -> (context arg, singular arg, plural arg).
KEYWORDS: dict[str, tuple[int | None, int, int | None]] = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}


def extract_calls(source: str) -> set[tuple[str | None, str]]:
    """(context, msgid) of every gettext call whose arguments are string literals, as xgettext finds them."""
    tokens = [
        t
        for t in tokenize.generate_tokens(io.StringIO(source).readline)
        if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT)
    ]
    found = set()
    for i, tok in enumerate(tokens[:-1]):
        if tok.type != tokenize.NAME or tok.string not in KEYWORDS or tokens[i + 1].string != "(":
            continue
        if i > 0 and tokens[i - 1].string in {".", "def"}:
            continue
        args: list[str | None] = []
        j = i + 2
        while j < len(tokens):
            literal: list[str] = []
            while j < len(tokens) and tokens[j].type == tokenize.STRING:
                literal.append(ast.literal_eval(tokens[j].string))
                j += 1
            args.append("".join(literal) if literal and tokens[j].string in {",", ")"} else None)
            depth = 0
            while j < len(tokens) and not (depth == 0 and tokens[j].string in {",", ")"}):
                depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(tokens[j].string, 0)
                j += 1
            if j >= len(tokens) or tokens[j].string == ")":
                break
            j += 1
        ctx_at, msg_at, _plural_at = KEYWORDS[tok.string]
        msgid = args[msg_at] if len(args) > msg_at else None
        context = args[ctx_at] if ctx_at is not None and len(args) > ctx_at else None
        if msgid and (ctx_at is None or context is not None):
            found.add((context, msgid))
    return found


def source_files() -> list[Path]:
    base = Path(settings.BASE_DIR)
    return [
        p
        for p in base.rglob("*")
        if p.suffix in {".py", ".html", ".txt"}
        and p.is_file()
        and not IGNORED_DIRS.intersection(p.relative_to(base).parts)
        and not any(part.endswith(".egg-info") for part in p.parts)
    ]


def strings_in_sources() -> dict[tuple[str | None, str], Path]:
    found: dict[tuple[str | None, str], Path] = {}
    for path in source_files():
        text = path.read_text(encoding="utf-8")
        if path.suffix != ".py":
            # Leading blanks of the templatized text are not Python indentation.
            text = "\n".join(line.lstrip() for line in templatize(text, origin=str(path)).splitlines())
        for key in extract_calls(text):
            found.setdefault(key, path)
    return found


def test_every_entry_is_translated_and_checked():
    assert len(PO_ENTRIES) > 200, "the .po looks truncated"
    untranslated = [e.msgid for e in PO_ENTRIES if not all(s.strip() for s in e.msgstr)]
    fuzzy = [e.msgid for e in PO_ENTRIES if e.fuzzy]

    assert untranslated == [], f"untranslated entries: {untranslated}"
    assert fuzzy == [], f"fuzzy entries still to check: {fuzzy}"


def test_header_declares_chinese_with_one_plural_form():
    header = PO_PATH.read_text(encoding="utf-8").split("\n\n", 1)[0]

    assert '"Language: zh_Hans\\n"' in header
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in header
    assert "#, fuzzy" not in header
    assert all(len(e.msgstr) == 1 for e in PO_ENTRIES if e.msgid_plural)


def test_translations_keep_every_placeholder():
    pattern = r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}"
    broken = []
    for e in PO_ENTRIES:
        sources = [e.msgid] + ([e.msgid_plural] if e.msgid_plural else [])
        allowed = [sorted(re.findall(pattern, s)) for s in sources]
        if sorted(re.findall(pattern, e.msgstr[0])) not in allowed:
            broken.append((e.msgid, e.msgstr[0]))

    assert broken == [], f"placeholders lost or invented: {broken}"


def test_committed_mo_holds_exactly_the_po_translations():
    with MO_PATH.open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)
    # Third little-endian word of a GNU .mo: how many strings it holds, the header included.
    magic, _revision, count = struct.unpack("<III", MO_PATH.read_bytes()[:12])
    assert magic == 0x950412DE

    stale = []
    for e in PO_ENTRIES:
        if e.msgid_plural:
            got = (
                catalog.npgettext(e.msgctxt, e.msgid, e.msgid_plural, 2)
                if e.msgctxt
                else catalog.ngettext(e.msgid, e.msgid_plural, 2)
            )
        else:
            got = catalog.pgettext(e.msgctxt, e.msgid) if e.msgctxt else catalog.gettext(e.msgid)
        if got != e.msgstr[0]:
            stale.append((e.msgid, got, e.msgstr[0]))

    assert stale == [], f".mo differs from .po, run compilemessages: {stale[:5]}"
    assert count == len(PO_ENTRIES) + 1, ".mo holds entries the .po no longer has; run compilemessages"


def test_every_translatable_string_in_the_code_is_in_the_catalogue():
    known = {e.key for e in PO_ENTRIES}

    missing = {
        f"{msgid!r} ({path.name})" for (ctx, msgid), path in strings_in_sources().items() if (ctx, msgid) not in known
    }

    assert missing == set(), f"run `make messages` and translate: {sorted(missing)}"


def test_source_scan_sees_strings_from_python_and_templates():
    found = strings_in_sources()

    assert (None, "Log out") in found  # {% translate %} in base.html
    assert (None, "Every grid has a grid worker.") in found  # _() inside a template tag
    assert (None, "%(n)s place found — choose one") in found  # {% blocktranslate count %}
    assert (None, "A mobile number contains only digits.") in found  # gettext_lazy in Python
    assert extract_calls('x = ngettext("%(n)d a", "%(n)d b", n) + pgettext("ctx", "m" "sg")') == {
        (None, "%(n)d a"),
        ("ctx", "msg"),
    }


class _Text(HTMLParser):
    """Visible text and human-facing attributes of a page, one string per node."""

    ATTRS = {"placeholder", "title", "aria-label", "alt", "value"}

    def __init__(self) -> None:
        super().__init__()
        self.strings: set[str] = set()
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        for name, value in attrs:
            if name in self.ATTRS and value and value.strip():
                self.strings.add(value.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.strings.add(" ".join(data.split()))


def page_strings(html: str) -> set[str]:
    parser = _Text()
    parser.feed(html)
    return parser.strings


# Catalogue strings that read the same in both languages (e.g. the language name "English").
ENGLISH_UI = {e.msgid for e in PO_ENTRIES if e.msgstr[0] != e.msgid and not e.msgid_plural}

# (path, English strings a user sees there in English and must not see in Chinese).
PAGES = [
    ("/", ["Log out", "Overview", "Places", "People", "Audit log", "Persons", "Not covered yet (户不漏人)"]),
    ("/places/{district}/", ["Log out", "Overview", "Places directly under it", "Households", "Search"]),
    ("/people/", ["Log out", "People", "Export to Excel", "Register a person", "Filter"]),
    ("/people/{person}/", ["Log out", "Document", "Mobile phone", "Current address", "Edit"]),
    ("/audit/", ["Log out", "Audit log", "Export to Excel", "Filter", "Clear"]),
    ("/accounts/tokens/", ["Log out", "API tokens", "Create token", "Revoke", "Starts with"]),
]


@pytest.fixture
def hq_client(world):
    issue_token(user=world.hq, name="laptop")
    assert ApiToken.objects.filter(user=world.hq).exists()
    client = Client()
    client.force_login(world.hq)
    return client


def _urls(world):
    ids = {"district": world.district.pk, "person": world.A.person.pk}
    return [(path.format(**ids), english) for path, english in PAGES]


@pytest.mark.parametrize("accept_language", [None, "zh-hans", "zh-CN,zh;q=0.9,en;q=0.8"])
def test_hq_pages_are_chinese_by_default(world, hq_client, accept_language):
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}

    for url, english in _urls(world):
        response = hq_client.get(url, **headers)
        assert response.status_code == 200, url
        shown = page_strings(response.content.decode())

        assert {"人口", "属地", "总览", "退出登录"} <= shown, url
        assert sorted(shown & set(english)) == [], url
        assert sorted(shown & ENGLISH_UI) == [], f"untranslated UI strings on {url}"


def test_hq_pages_are_english_on_request(world, hq_client):
    for url, english in _urls(world):
        response = hq_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, url
        shown = page_strings(response.content.decode())

        assert set(english) <= shown, f"{url}: missing {set(english) - shown}"
        assert "退出登录" not in shown, url


@pytest.mark.django_db
def test_login_page_is_chinese_for_anonymous_visitors():
    zh = page_strings(Client().get("/accounts/login/").content.decode())
    en = page_strings(Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode())

    assert {"登录", "用户名", "密码"} <= zh
    assert zh & {"Log in", "Username", "Password"} == set()
    assert zh & ENGLISH_UI == set()
    assert {"Log in", "Username", "Password"} <= en


def test_language_switch_turns_the_pages_english(world, hq_client):
    response = hq_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302

    shown = page_strings(hq_client.get("/").content.decode())

    assert "Log out" in shown
    assert "退出登录" not in shown
