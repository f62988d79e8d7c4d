"""The README's table of environment variables names every variable the code reads."""

import json
import os
import re
import subprocess
import sys
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


# What the settings modules read, run for real: every README variable unset (and no .env file), each call of
# env(...) recorded with the value it returned, by the settings module that made it. Production needs a secret key,
# hosts and a real SMS backend to import at all, so it runs apart with those three set (their defaults are not
# literals, so nothing checked depends on them); DATABASE_URL names PostgreSQL so CONN_MAX_AGE is read.
_READ_SETTINGS = r"""
import json, sys, importlib, environ
reads = {}
get_value = environ.Env.get_value
def recording(self, var, *args, **kwargs):
    value = get_value(self, var, *args, **kwargs)
    frame = sys._getframe(1)
    while frame and not frame.f_globals.get("__name__", "").startswith("portal.settings."):
        frame = frame.f_back
    if frame:
        module = frame.f_globals["__name__"].rsplit(".", 1)[1]
        kept = value if isinstance(value, (bool, int, float, list)) else str(value)
        reads.setdefault(module, {}).setdefault(var, kept)
    return value
environ.Env.get_value = recording
for module in sys.argv[1:]:
    importlib.import_module("portal.settings." + module)
print(json.dumps(reads))
"""


def _settings_read_with_variables_unset(documented: set[str]) -> dict[str, dict]:
    base_env = {k: v for k, v in os.environ.items() if k not in documented}
    base_env["DJANGO_ENV_FILE"] = str(BASE_DIR / "no-such-env-file")
    base_env["DATABASE_URL"] = "postgres://nobody@127.0.0.1:5432/nothing"  # read only, never connected to
    production = {
        "DJANGO_SECRET_KEY": "x" * 20 + "-readme-defaults-test-only-" + "y" * 20,
        "DJANGO_ALLOWED_HOSTS": "portal.example.org",
        "SMS_BACKEND": "members.notifications.sms.DatabaseSmsBackend",
    }
    reads: dict[str, dict] = {}
    for modules, extra in ((["base", "local", "test", "bench"], {}), (["production"], production)):
        done = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
            [sys.executable, "-c", _READ_SETTINGS, *modules],
            env={**base_env, **extra},
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        found = json.loads(done.stdout.strip().splitlines()[-1])
        for module in modules:
            reads[module] = found.get(module, {})
    return reads


LITERAL = r"(?:`([^`]*)`|(empty))"
# "`60`", "empty", "`0`; `1` in docker-compose.yml", "`INFO` (`WARNING` in tests …)", "`true` (production)"
PLAIN_DEFAULT = re.compile(rf"^{LITERAL}(?: \((local|production)\))?(?:$|[;:]| \()")
# "`true` in local, `false` elsewhere", "`true` in local and test, `false` elsewhere"
SPLIT_DEFAULT = re.compile(rf"^{LITERAL} in (local|production)(?: and test)?, {LITERAL} elsewhere$")


def _documented_defaults(readme: str) -> list[tuple[str, str, str]]:
    """(variable, settings module, default) for every row whose default is a literal the settings can be held to."""
    found = []
    for name, cell in re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \| ([^|]*?) \|", readme, re.M):
        if split := SPLIT_DEFAULT.match(cell):
            there, empty_there, module, elsewhere, empty_elsewhere = split.groups()
            found.append((name, module, "" if empty_there else there))
            found.append((name, "base", "" if empty_elsewhere else elsewhere))
        elif plain := PLAIN_DEFAULT.match(cell):
            value, empty, module = plain.groups()
            found.append((name, module or "", "" if empty else value))
    return found


def _same(documented: str, coded) -> bool:
    if isinstance(coded, bool):
        return documented.lower() == str(coded).lower()
    if isinstance(coded, int | float):
        try:
            return float(documented) == float(coded)
        except ValueError:
            return False
    if isinstance(coded, list):
        return documented == ",".join(coded)
    return documented == coded


def test_the_readme_states_the_defaults_the_settings_use():
    """Each literal default in the README is what the settings read when the variable is unset."""
    readme = (BASE_DIR / "README.md").read_text(encoding="utf-8")
    documented = _documented_defaults(readme)
    reads = _settings_read_with_variables_unset({name for name, _, _ in documented} | set(_variables_read()))
    compared, wrong = [], {}
    for name, module, value in documented:
        # No module named: the first settings module that reads it (base for most, test or bench for their own).
        module = module or next((m for m in ("base", "test", "bench") if name in reads[m]), "")
        if name not in reads.get(module, {}):
            continue  # read outside the settings (bench, the Makefile, compose): not a setting
        compared.append(name)
        if not _same(value, reads[module][name]):
            wrong[f"{name} ({module})"] = (value, reads[module][name])
    assert {
        "NOTIFICATION_RETRY_MAX_SECONDS",
        "CONN_MAX_AGE",
        "DJANGO_DEBUG",
        "STAFF_REQUIRE_TWO_FACTOR",
        "DJANGO_SECURE_HSTS_SECONDS",
        "SMS_TENCENT_SECRET_ID",
        "TEST_MEDIA_ROOT",
    } <= set(compared)
    assert len(compared) > 60, f"the comparison found suspiciously few defaults: {sorted(compared)}"
    assert not wrong, f"README default differs from the settings' (README, settings): {wrong}"
