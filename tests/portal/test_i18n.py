"""The English catalogue: complete, compiles cleanly, covers every marked string, and pages switch language.

Chinese (zh-hans) is the source language: msgids are Chinese and locale/en/LC_MESSAGES/django.po holds English.
"""

import ast
import os
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation
from django.utils.translation.template import templatize

BASE_DIR = Path(django_settings.BASE_DIR)
PO_PATH = BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
MSGFMT = shutil.which("msgfmt")  # GNU gettext, which compilemessages needs too
# The directories makemessages is told to skip (`make messages`), plus tooling and generated files.
SKIPPED_DIRS = {".venv", "venv", "tests", "bench", "migrations", "staticfiles", "locale", "node_modules", "__pycache__"}
CJK = re.compile(r"[\u4e00-\u9fff]")
TRANSLATION_FUNCTIONS = {
    # name: (index of the context argument or None, indexes of the msgid arguments)
    "_": (None, (0,)),
    "gettext": (None, (0,)),
    "gettext_lazy": (None, (0,)),
    "gettext_noop": (None, (0,)),
    "ngettext": (None, (0, 1)),
    "ngettext_lazy": (None, (0, 1)),
    "pgettext": (0, (1,)),
    "pgettext_lazy": (0, (1,)),
    "npgettext": (0, (1, 2)),
    "npgettext_lazy": (0, (1, 2)),
}


# --- Reading the catalogue ----------------------------------------------------------------------------------


def parse_po(text: str) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (list), flags, line. Obsolete (#~) ones are
    left out. Enough of the format for a catalogue written by makemessages/msgmerge."""
    entries = []
    for block in re.split(r"\n\s*\n", text.strip()):
        entry = {"msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": {}, "flags": set()}
        key = None
        parts: dict[str, list[str]] = {}
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif match := re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$', line):
                key = match.group(1)
                parts[key] = [match.group(2)]
            elif line.startswith('"') and key:
                parts[key].append(line)
            elif line.strip():
                raise ValueError(f"unreadable line in {PO_PATH.name}: {line!r}")
        if "msgid" not in parts:
            continue  # only comments, e.g. obsolete entries
        for name, lines in parts.items():
            value = "".join(ast.literal_eval(line) for line in lines)
            if name.startswith("msgstr"):
                entry["msgstr"][int(name[7:-1]) if "[" in name else 0] = value
            else:
                entry[name] = value
        entries.append(entry)
    return entries


def catalogue() -> list[dict]:
    return parse_po(PO_PATH.read_text(encoding="utf-8"))


def catalogue_keys() -> set[tuple[str | None, str]]:
    keys = set()
    for entry in catalogue():
        keys.add((entry["msgctxt"], entry["msgid"]))
        if entry["msgid_plural"] is not None:
            keys.add((entry["msgctxt"], entry["msgid_plural"]))
    return keys


# --- Finding marked strings in the code ---------------------------------------------------------------------


def project_files(*suffixes: str):
    for root, dirs, files in os.walk(BASE_DIR):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(suffixes):
                yield Path(root) / name


def marked_strings_in_python(source: str) -> list[tuple[int, str | None, str]]:
    """(line, context, msgid) of each translation call whose arguments are plain string literals (implicitly
    concatenated literals count: Python joins them); calls on variables or f-strings are skipped."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name not in TRANSLATION_FUNCTIONS:
            continue
        context_index, msgid_indexes = TRANSLATION_FUNCTIONS[name]
        needed = [*msgid_indexes, *([context_index] if context_index is not None else [])]
        if len(node.args) <= max(needed):
            continue
        if not all(isinstance(node.args[i], ast.Constant) and isinstance(node.args[i].value, str) for i in needed):
            continue
        context = node.args[context_index].value if context_index is not None else None
        found.extend((node.lineno, context, node.args[i].value) for i in msgid_indexes)
    return found


CALL_START = re.compile(r"\b(npgettext|ngettext|pgettext|gettext|_)\(")


def marked_strings_in_template(source: str, origin: str) -> list[tuple[int, str | None, str]]:
    """The strings makemessages would extract from a template: Django's own `templatize` turns translate,
    blocktranslate (with plurals, context, trimmed) and _("…") into gettext calls; these are read back here."""
    text = templatize(source, origin=origin)
    found = []
    for match in CALL_START.finditer(text):
        start = match.start()
        call = None
        # The call ends at the first ")" that closes a valid expression (a literal may hold a ")" itself).
        for end in (m.end() for m in re.finditer(r"\)", text[match.end() :])):
            try:
                call = ast.parse(text[start : match.end() + end], mode="eval").body
                break
            except SyntaxError:
                continue
        if not isinstance(call, ast.Call):
            continue
        line = text.count("\n", 0, start) + 1
        name = "gettext" if match.group(1) == "_" else match.group(1)
        context_index, msgid_indexes = TRANSLATION_FUNCTIONS[name]
        args = call.args
        if not all(
            len(args) > i and isinstance(args[i], ast.Constant) and isinstance(args[i].value, str)
            for i in [*msgid_indexes, *([context_index] if context_index is not None else [])]
        ):
            continue  # {% translate some_variable %}
        context = args[context_index].value if context_index is not None else None
        found.extend((line, context, args[i].value) for i in msgid_indexes)
    return found


def marked_strings() -> list[tuple[str, int, str | None, str]]:
    found = []
    for path in project_files(".py"):
        for line, context, msgid in marked_strings_in_python(path.read_text(encoding="utf-8")):
            found.append((str(path.relative_to(BASE_DIR)), line, context, msgid))
    for path in project_files(".html", ".txt"):
        origin = str(path.relative_to(BASE_DIR))
        for line, context, msgid in marked_strings_in_template(path.read_text(encoding="utf-8"), origin):
            found.append((origin, line, context, msgid))
    return found


# --- Compiling it for the page tests ------------------------------------------------------------------------


def compile_catalogue() -> None:
    """What `make test` does with compilemessages, done here too so `pytest` alone works: the .mo is rebuilt
    when it is missing or older than the .po (written to a temporary file first, then moved into place)."""
    if MO_PATH.exists() and MO_PATH.stat().st_mtime >= PO_PATH.stat().st_mtime:
        return
    fd, tmp = tempfile.mkstemp(dir=MO_PATH.parent, suffix=".mo")
    os.close(fd)
    try:
        assert MSGFMT, "msgfmt (GNU gettext) is needed to compile the catalogues: apt-get install gettext"
        subprocess.run([MSGFMT, "--check-format", "-o", tmp, str(PO_PATH)], check=True, capture_output=True)  # noqa: S603
        os.replace(tmp, MO_PATH)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@pytest.fixture
def compiled_catalogue(settings):
    compile_catalogue()
    # Setting LOCALE_PATHS (to the same value) fires setting_changed, which empties Django's translation caches:
    # a catalogue loaded earlier in this process without the fresh .mo is not reused.
    settings.LOCALE_PATHS = list(settings.LOCALE_PATHS)


def english_client() -> Client:
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def visible_text_outside_language_switch(html: str) -> str:
    """The page text and attribute values, minus the language switch (which names each language in itself)."""
    html = re.sub(r'<form class="language-switch".*?</form>', "", html, flags=re.S)
    return re.sub(r"<script\b.*?</script>", "", html, flags=re.S)


# --- (a) The catalogue is complete and compiles -------------------------------------------------------------


def test_catalogue_has_an_english_translation_for_every_message():
    entries = catalogue()
    header = next(e for e in entries if e["msgid"] == "")
    problems = []
    if "fuzzy" in header["flags"]:
        problems.append("the header is marked fuzzy")
    if "Language: en\n" not in header["msgstr"][0]:
        problems.append("the header does not say Language: en")
    for entry in entries:
        if entry["msgid"] == "":
            continue
        if "fuzzy" in entry["flags"]:
            problems.append(f"fuzzy: {entry['msgid']!r}")
        forms = 2 if entry["msgid_plural"] is not None else 1
        if any(not entry["msgstr"].get(i) for i in range(forms)):
            problems.append(f"untranslated: {entry['msgid']!r}")
        elif CJK.search("".join(entry["msgstr"].values())):
            problems.append(f"Chinese left in the English: {entry['msgid']!r}")
    assert len(entries) > 100, "the catalogue looks empty: run `make messages` and translate"
    assert problems == []


def test_catalogue_compiles_with_format_checks():
    assert MSGFMT, "msgfmt (GNU gettext) is needed to compile the catalogues: apt-get install gettext"
    result = subprocess.run(  # noqa: S603
        [MSGFMT, "--check-format", "--check-header", "--check-domain", "-o", os.devnull, str(PO_PATH)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_the_po_reader_reports_what_it_must():
    """The reader used above is not blind: an empty, a fuzzy and a plural entry come out as they should."""
    entries = parse_po(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#, fuzzy\nmsgid "一"\nmsgstr "One"\n\n'
        'msgid "二"\nmsgstr ""\n\n'
        'msgctxt "菜单"\nmsgid "%(n)s 项"\nmsgid_plural "%(n)s 项"\n'
        'msgstr[0] "%(n)s item"\nmsgstr[1] ""\n"%(n)s items"\n\n'
        '#~ msgid "旧"\n#~ msgstr "Old"\n'
    )
    assert [e["msgid"] for e in entries] == ["", "一", "二", "%(n)s 项"]
    assert "fuzzy" in entries[1]["flags"]
    assert entries[2]["msgstr"] == {0: ""}
    assert entries[3]["msgctxt"] == "菜单"
    assert entries[3]["msgstr"] == {0: "%(n)s item", 1: "%(n)s items"}


# --- (b) Every marked string is in the catalogue ------------------------------------------------------------


def test_every_marked_string_in_code_and_templates_is_in_the_catalogue():
    keys = catalogue_keys()
    found = marked_strings()
    missing = sorted(
        {f"{path}:{line}: {msgid!r}" for path, line, context, msgid in found if (context, msgid) not in keys}
    )
    assert len(found) > 200, "the scanner found suspiciously few strings"
    assert missing == [], "new strings: run `make messages` and translate them in locale/en/LC_MESSAGES/django.po"


def test_the_scanner_finds_what_makemessages_would():
    python = (
        'from django.utils.translation import gettext_lazy as _, ngettext, pgettext\n'
        'a = _("甲")\n'
        'b = _("乙" "丙")\n'
        'c = ngettext("%(n)d 个", "%(n)d 个们", n)\n'
        'd = pgettext("上下文", "丁")\n'
        'e = _(variable)\n'
        'f = _(f"戊{x}")\n'
        'g = messages.gettext("己")\n'
    )
    assert marked_strings_in_python(python) == [
        (2, None, "甲"),
        (3, None, "乙丙"),
        (4, None, "%(n)d 个"),
        (4, None, "%(n)d 个们"),
        (5, "上下文", "丁"),
        (8, None, "己"),
    ]
    template = (
        "{% load i18n %}<h1>{% translate \"标题\" %}</h1>\n"
        "<p title=\"{% trans '提示（注意）' %}\">{% translate some_var %}</p>\n"
        "{% blocktranslate with n=page.number %}第 {{ n }} 页，100%{% endblocktranslate %}\n"
        "{% blocktranslate count counter=k %}{{ counter }} 条{% plural %}{{ counter }} 条们{% endblocktranslate %}\n"
        "{% translate \"打开\" context \"动词\" %}\n"
    )
    assert [(c, m) for _, c, m in marked_strings_in_template(template, "t.html")] == [
        (None, "标题"),
        (None, "提示（注意）"),
        (None, "第 %(n)s 页，100%%"),
        (None, "%(counter)s 条"),
        (None, "%(counter)s 条们"),
        ("动词", "打开"),
    ]


# --- (c) Pages in English with the language cookie, Chinese by default --------------------------------------


@pytest.mark.parametrize(
    ("url", "status", "english", "chinese"),
    [
        ("/", 200, ["Union Portal", "Services", "Sign up"], ["工会服务门户", "服务", "注册"]),
        (
            "/accounts/login/",
            200,
            ["Sign in", "Mobile number or email", "Password", "Forgot your password?"],
            ["登录", "手机号码或电子邮箱", "密码", "忘记密码？"],
        ),
        (
            "/no-such-page/",
            404,
            ["Page not found", "Back to the home page"],
            ["页面不存在", "返回首页"],
        ),
    ],
)
def test_pages_render_in_english_with_the_language_cookie(db, compiled_catalogue, url, status, english, chinese):
    response = english_client().get(url)
    assert response.status_code == status
    html = response.content.decode()
    assert '<html lang="en">' in html
    for text in english:
        assert text in html
    # Nothing left in Chinese, apart from the switch offering 简体中文 by its own name.
    leftovers = CJK.findall(visible_text_outside_language_switch(html))
    assert leftovers == []


@pytest.mark.parametrize(
    ("url", "status", "chinese", "english"),
    [
        ("/", 200, ["工会服务门户", "服务", "注册"], ["Union Portal", "Sign up"]),
        ("/accounts/login/", 200, ["登录", "手机号码或电子邮箱", "忘记密码？"], ["Sign in", "Password"]),
        ("/no-such-page/", 404, ["页面不存在", "返回首页"], ["Page not found"]),
    ],
)
def test_pages_render_in_chinese_by_default(db, client, compiled_catalogue, url, status, chinese, english):
    response = client.get(url)
    assert response.status_code == status
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    for text in chinese:
        assert text in html
    for text in english:
        assert text not in html


def test_signed_in_header_and_admin_titles_are_translated(db, compiled_catalogue, user_factory):
    from django.contrib import admin

    client = english_client()
    client.force_login(user_factory(name="Li Ming"))  # a Chinese name would be data, not UI
    html = client.get("/").content.decode()
    assert "My messages" in html and "Sign out" in html and "Account and notification settings" in html
    assert CJK.findall(visible_text_outside_language_switch(html)) == []
    with translation.override("en"):
        assert str(admin.site.site_header) == "Union Portal · Administration"
    with translation.override("zh-hans"):
        assert str(admin.site.site_header) == "工会服务门户 · 管理后台"


# --- (d) The language switch --------------------------------------------------------------------------------


class _FormReader(HTMLParser):
    """The language switch form on a page: its action, method, fields and the options of its select."""

    def __init__(self):
        super().__init__()
        self.form = None
        self._in_switch = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "language-switch" in (attrs.get("class") or "").split():
            self._in_switch = True
            self.form = {"action": attrs.get("action"), "method": attrs.get("method"), "fields": {}, "options": []}
        elif self._in_switch and tag == "input":
            self.form["fields"][attrs.get("name")] = attrs.get("value")
        elif self._in_switch and tag == "select":
            self.form["select"] = attrs.get("name")
        elif self._in_switch and tag == "option":
            self.form["options"].append(attrs.get("value"))

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_switch = False


def language_switch(html: str) -> dict:
    reader = _FormReader()
    reader.feed(html)
    assert reader.form is not None, "no language switch form on the page"
    return reader.form


def test_language_switch_posts_to_setlang_and_switches_both_ways(db, compiled_catalogue):
    # A browser-like client: the CSRF token must come from the form itself.
    client = Client(enforce_csrf_checks=True)
    form = language_switch(client.get("/accounts/login/").content.decode())
    assert form["action"] == "/i18n/setlang/"
    assert form["method"] == "post"
    assert form["select"] == "language"
    assert form["options"] == ["zh-hans", "en"]
    assert form["fields"]["next"] == "/accounts/login/"

    response = client.post(form["action"], {**form["fields"], "language": "en"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in html and "Sign in" in html

    form = language_switch(html)
    response = client.post(form["action"], {**form["fields"], "language": "zh-hans"})
    assert response.status_code == 302
    assert client.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans">' in html and "忘记密码？" in html


def test_language_switch_refuses_an_unknown_language(db, client, compiled_catalogue):
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert response.status_code == 302
    assert django_settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


def test_pages_stay_chinese_for_an_english_browser_until_the_person_switches(client, db):
    """A worker's phone set to English still gets the Chinese portal; the switch (cookie) decides."""
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="zh-hans"' in response.content.decode()
    client.cookies["django_language"] = "en"
    assert 'lang="en"' in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    client.cookies["django_language"] = "xx"
    assert 'lang="zh-hans"' in client.get("/").content.decode()


def test_the_api_honours_accept_language(client, db):
    english = client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en").json()["error"]["message"]
    chinese = client.get("/api/v1/me/").json()["error"]["message"]
    assert english != chinese and english.isascii()
