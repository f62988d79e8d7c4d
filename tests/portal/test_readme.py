"""The README's table of environment variables names every variable the code reads."""

import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
CODE_DIRS = ["portal", "members", "benefits", "culture", "stations", "bench"]
READS = re.compile(
    r"""(?:\benv(?:\.\w+)?\(\s*|os\.environ(?:\.get|\.setdefault)?[\[(]\s*|os\.getenv\(\s*)["']([A-Z][A-Z0-9_]+)["']"""
)


def _variables_read() -> dict[str, str]:
    found = {}
    files = [BASE_DIR / "manage.py"] + [p for d in CODE_DIRS for p in (BASE_DIR / d).rglob("*.py")]
    for path in files:
        for name in READS.findall(path.read_text(encoding="utf-8")):
            found.setdefault(name, str(path.relative_to(BASE_DIR)))
    return found


def test_the_scan_finds_the_variables_we_know_are_read():
    read = _variables_read()
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SECRET_KEY", "CACHE_URL"} <= set(read)


def test_every_environment_variable_read_is_in_the_readme_table():
    readme = (BASE_DIR / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, re.M))
    missing = {name: where for name, where in _variables_read().items() if name not in documented}
    assert not missing, f"add these to the README's environment table: {missing}"


DEFAULT_IN_CODE = re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]+)["']\s*,\s*default=([^,)\n]+)""")


def _literal(text: str):
    import ast

    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        return None


def _same(documented: str, coded) -> bool:
    if isinstance(coded, bool):
        return documented.lower() == str(coded).lower()
    if isinstance(coded, int | float):
        try:
            return float(documented) == float(coded)
        except ValueError:
            return False
    return documented == str(coded)


def test_the_readme_states_the_defaults_the_code_uses():
    """A default written in the README (a single literal) is the one the settings pass to env(…, default=…)."""
    readme = (BASE_DIR / "README.md").read_text(encoding="utf-8")
    documented = dict(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \| `([^`]*)` \|", readme, re.M))
    coded = {}
    for path in (BASE_DIR / "portal" / "settings").glob("*.py"):
        for name, default in DEFAULT_IN_CODE.findall(path.read_text(encoding="utf-8")):
            value = _literal(default)
            if value is not None:
                coded.setdefault(name, value)
    compared = {name: (documented[name], coded[name]) for name in documented.keys() & coded.keys()}
    assert len(compared) > 20, "the comparison found suspiciously few defaults"
    wrong = {name: pair for name, pair in compared.items() if not _same(*pair)}
    assert not wrong, f"README default differs from the code's (README, code): {wrong}"
