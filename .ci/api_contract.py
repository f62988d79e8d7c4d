"""The API contract, checked from outside as a generated client would meet it (issue: an API a client can trust).

Serves the portal on production settings (gunicorn, DEBUG off, the demo data) on a free port of 127.0.0.1 and
runs Schemathesis against its own `/api/schema/` three times: anonymous, as the demo member and as the demo
claims reviewer (both signed in through allauth's headless app API, sending `X-Session-Token`). The checks:
no server error, every status code and content type documented, every answer true to its schema. Any failure
fails the run. Bounded: a fixed seed, a number of examples per operation and a time budget per persona.

Usage (from the project root, after `make venv`):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/any .venv/bin/python .ci/api_contract.py
The database named in DATABASE_URL is not touched: the run uses `<name>_contract` on the same server, created
afresh. Without DATABASE_URL it uses a SQLite file in a temporary folder.
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
SEED = int(os.environ.get("API_CONTRACT_SEED", "20261204"))
MAX_EXAMPLES = int(os.environ.get("API_CONTRACT_MAX_EXAMPLES", "12"))
MAX_SECONDS_PER_PERSONA = int(os.environ.get("API_CONTRACT_MAX_SECONDS", "110"))
# One generating thread: with two, Schemathesis's coverage phase now and then dies inside CPython 3.11's ast module
# ("SystemError: AST constructor recursion depth mismatch", CPython gh-106905: the interpreter's, not the portal's)
# and reports a runtime error that fails the run. The time budget above gives the one thread what two had.
SCHEMATHESIS_WORKERS = "1"
# The demo accounts (members/demo.py, benefits/demo.py).
PERSONAS = {
    "anonymous": None,
    "member": "+8613900000002",
    "reviewer": "+8613900000001",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(workdir: Path) -> str:
    configured = os.environ.get("DATABASE_URL", "").strip()
    if not configured or configured.startswith("sqlite"):
        return f"sqlite:///{workdir / 'contract.sqlite3'}"
    parts = urlsplit(configured)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_contract"))


def _request(url: str, *, data: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **(headers or {})})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 — our own server on loopback
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _wait_healthy(base: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the portal did not start:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"the portal did not answer /healthz within 60 s:\n{log.read_text()[-3000:]}")


def _session_token(base: str, phone: str, password: str) -> str:
    status, body = _request(f"{base}/_allauth/app/v1/auth/login", data={"phone": phone, "password": password})
    token = body.get("meta", {}).get("session_token")
    if status != 200 or not token:
        sys.exit(f"could not sign in {phone} through the app API: {status} {body}")
    return token


def _failures_section(lines: list[str], limit: int = 6000) -> str:
    """Schemathesis's FAILURES or ERRORS section (up to the next one), or the output's last lines without one."""
    text = "".join(lines)
    start = min((i for i in (text.find("= FAILURES ="), text.find("= ERRORS =")) if i >= 0), default=-1)
    if start < 0:
        return text[-limit:]
    start = text.rfind("\n", 0, start) + 1
    end = min((i for i in (text.find(" WARNINGS =", start), text.find(" SUMMARY =", start)) if i > 0),
              default=len(text))
    if end < len(text):
        end = text.rfind("\n", start, end) + 1
    return text[start:end][:limit]


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="api-contract-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "SMS_ALLOW_CONSOLE_BACKEND": "true",
        "SITE_URL": base,
        "DATABASE_URL": _database_url(workdir),
        # The contract is about shapes and codes; two-factor for staff and the API's throttles are tested by
        # the suite. With them on, the reviewer would get 403 everywhere and the fuzzer mostly 429.
        "STAFF_REQUIRE_TWO_FACTOR": "false",
        "API_THROTTLE_ANON": "100000/min",
        "API_THROTTLE_USER": "100000/min",
        # No broker: tasks run in-process, so what a request queues (an assessment, a message) runs too.
        "CELERY_BROKER_URL": "",
    }
    python = str(BIN / "python")
    for command in (["ensure_database", "--recreate"], ["migrate", "--noinput", "-v", "0"], ["seed_demo"],
                    ["collectstatic", "--noinput", "-v", "0"]):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True,  # noqa: S603
                       stdout=subprocess.DEVNULL)
    password = "demo-password-2026"  # noqa: S105 — members/demo.py DEMO_PASSWORD, demo accounts only

    log = workdir / "gunicorn.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(  # noqa: S603 — our own server command
            [str(BIN / "gunicorn"), "portal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--timeout", "60"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    failed = []
    failures: dict[str, str] = {}
    try:
        _wait_healthy(base, server, log)
        for persona, phone in PERSONAS.items():
            headers = [] if phone is None else ["-H", f"X-Session-Token: {_session_token(base, phone, password)}"]
            print(f"\n==> Schemathesis as {persona}", flush=True)
            started = time.monotonic()
            with subprocess.Popen(  # noqa: S603
                [str(BIN / "schemathesis"), "run", f"{base}/api/schema/?format=json", "--checks", CHECKS,
                 "--seed", str(SEED), "--max-examples", str(MAX_EXAMPLES), "--max-time",
                 str(MAX_SECONDS_PER_PERSONA), "--phases", "examples,coverage,fuzzing",
                 "--workers", SCHEMATHESIS_WORKERS,
                 "--request-timeout", "20", "--no-color", *headers],
                cwd=workdir, env={**os.environ, "SCHEMATHESIS_HOOKS": ""}, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True, errors="replace",
            ) as run:
                output = []
                for line in run.stdout:
                    print(line, end="", flush=True)
                    output.append(line)
            print(f"<== {persona}: exit {run.returncode} in {time.monotonic() - started:.0f} s", flush=True)
            if run.returncode != 0:
                failed.append(persona)
                failures[persona] = _failures_section(output)
    finally:
        server.terminate()
        server.wait(timeout=20)
        errors = [line for line in log.read_text(errors="replace").splitlines() if "Traceback" in line]
        if errors:
            print(f"\nthe server logged {len(errors)} tracebacks; the last lines of its log:")
            print(log.read_text(errors="replace")[-4000:])
        shutil.rmtree(workdir, ignore_errors=True)
    if failed:
        # Again at the end: a CI log is often read from its tail, and the first persona's failures scroll far up.
        for persona in failed:
            print(f"\n--- what failed as {persona} ---\n{failures.get(persona, '')}")
        print(f"\nAPI contract FAILED for: {', '.join(failed)}")
        return 1
    print("\nAPI contract held for anonymous, member and reviewer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
