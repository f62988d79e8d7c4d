"""Browser journeys: Playwright for Python driving Debian's Chromium (headless, never a downloaded browser) against
the portal served by pytest-django's live server, on a phone (390 × 844, zh-CN) unless a step says otherwise.

Run with `make journeys` (or `pytest -m browser tests/browser`); the default run deselects them. CI's last step
runs them on PostgreSQL with a real Celery worker and beat on Redis (`journey_tasks`); locally without a broker
the tasks run in-process (and beat's, when a journey waits for them). Without Chromium, Playwright or axe-core
the journeys are skipped with the reason, or fail when REQUIRE_BROWSER_TESTS=1 (CI must not skip them).

Every page a journey opens is checked with axe-core at 360 px and at desktop width (`page_check`): no serious or
critical violation. A failed journey leaves a screenshot of the page it was on in BROWSER_ARTIFACTS (default
./browser-failures/<test name>.png)."""

import os
import re
import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}
BLOCKING_IMPACTS = {"serious", "critical"}


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def _unavailable(reason: str):
    if _truthy("REQUIRE_BROWSER_TESTS"):
        pytest.fail(f"REQUIRE_BROWSER_TESTS=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _axe_path() -> Path:
    return Path(os.environ.get("AXE_CORE_JS") or HERE / "node_modules" / "axe-core" / "axe.min.js")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def chromium(django_db_setup):
    from django.db import connection

    if connection.vendor != "postgresql":
        # A browser loads a page's images and frames at once, in threads of the live server; SQLite's shared
        # in-memory test database answers those with "database table is locked".
        _unavailable("the journeys run on PostgreSQL (set DATABASE_URL=postgres://…)")
    path = _chromium_path()
    if path is None:
        _unavailable("Chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH)")
    if not _axe_path().exists():
        _unavailable(f"axe-core is not installed ({_axe_path()}; `npm ci` in tests/browser, or set AXE_CORE_JS)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (make venv)")
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls around it are plain
    # synchronous calls (and the live server answers in threads of its own). Set only while the browser runs:
    # a subprocess of another test (`check --deploy`) must not inherit it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class InProcessBeat:
    """Beat's stand-in when no broker is configured (a local run): `wait_until` runs the scheduled tasks
    in-process before each look."""

    def __init__(self):
        self.tasks: list[str] = []

    def every(self, task: str, *, seconds: int, name: str) -> None:
        self.tasks.append(task)

    def wait_until(self, predicate, *, timeout: float = 30, what: str = "the condition"):
        from portal.celery_app import app

        def ticked():
            for task in self.tasks:
                app.tasks[task].apply()
            return predicate()

        return wait_until(ticked, timeout=timeout, what=what)


class RealBeat:
    """The session's Celery beat (tests/worker.py `celery_beat`)."""

    def __init__(self, beat, worker):
        self.beat, self.worker = beat, worker

    def every(self, task: str, *, seconds: int, name: str) -> None:
        self.beat.every(task, seconds=seconds, name=name)

    def wait_until(self, predicate, *, timeout: float = 30, what: str = "the condition"):
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.beat.check_running()
            value = predicate()
            if value:
                return value
            time.sleep(0.3)
        pytest.fail(f"timed out after {timeout}s waiting for {what} (a task of Celery beat's)\n"
                    f"beat log:\n{self.beat.log()[-3000:]}\nworker log:\n{self.worker.log()[-3000:]}",
                    pytrace=False)


@pytest.fixture(scope="session")
def journey_stack(request):
    """A real Celery worker and beat (tests/worker.py) when a broker is configured (CI), else None. Session-scoped
    and asked for before the browser and the live server, so that it stops after them: by then their database
    connections are closed, and the test database can be dropped."""
    if not os.environ.get("CELERY_BROKER_URL", "").strip():
        return None
    worker = request.getfixturevalue("celery_worker")
    return RealBeat(request.getfixturevalue("celery_beat"), worker)


@pytest.fixture
def journey_tasks(journey_stack):
    """The tasks the pages queue and beat's periodic ones: the real worker and beat of `journey_stack`, else
    in-process. Yields the beat (`every()`, `wait_until()`)."""
    from portal.celery_app import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = journey_stack is None
    yield journey_stack or InProcessBeat()
    app.conf.task_always_eager = previous


@pytest.fixture
def beat(journey_tasks):
    """Celery beat as a journey sees it: `beat.every(task, seconds=…, name=…)` schedules a task of the test's
    own (a short schedule, for the test only), `beat.wait_until(…)` waits for what it does."""
    return journey_tasks


class Browsing:
    """A person at a browser: `open()` gives a new phone-sized page in a context of its own (its own cookies), so
    a journey can have a member and a reviewer side by side."""

    def __init__(self, browser, base_url: str, node):
        self.browser, self.base_url, self.node = browser, base_url, node
        self.contexts = []

    def open(self, *, viewport: dict | None = None, locale: str = "zh-CN"):
        context = self.browser.new_context(
            base_url=self.base_url, viewport=viewport or PHONE, locale=locale, timezone_id="Asia/Shanghai",
            # The axe script is added to pages whose CSP allows only the portal's own scripts.
            bypass_csp=True, accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        return context.new_page()

    def close(self):
        failed = getattr(self.node, "report_call", None)
        if failed is not None and failed.failed:
            folder = Path(os.environ.get("BROWSER_ARTIFACTS") or Path.cwd() / "browser-failures")
            folder.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.node.name)
            for i, context in enumerate(self.contexts):
                for j, page in enumerate(context.pages):
                    try:
                        page.screenshot(path=str(folder / f"{name}-{i}-{j}.png"), full_page=True)
                    except Exception as exc:  # a page already gone: say so, keep the others
                        print(f"no screenshot of {page.url}: {exc}")
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsing(journey_stack, chromium, live_server, journey_tasks, request):
    people = Browsing(chromium, live_server.url, request.node)
    yield people
    people.close()


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(_axe_path()))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def _describe(violations: list[dict]) -> str:
    return "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + ", ".join(node["target"][0] if node.get("target") else "?" for node in v["nodes"][:3])
        for v in violations
    )


def page_check(page, *, widths=(NARROW, DESKTOP)) -> None:
    """axe-core on the page at each width (then back to the page's own): no serious or critical violation."""
    own = page.viewport_size
    try:
        for size in widths:
            page.set_viewport_size(size)
            violations = axe_violations(page)
            assert not violations, f"{page.url} at {size['width']} px: {_describe(violations)}"
    finally:
        page.set_viewport_size(own)


def sms_code(mobile: str) -> str:
    """The code of the latest text message to `mobile` (the tests' SMS backends keep them in OutboundSms)."""
    from members.models import OutboundSms

    body = OutboundSms.objects.filter(to=mobile).order_by("-id").values_list("body", flat=True).first()
    assert body is not None, f"no SMS to {mobile}"
    return re.search(r"\b(\d{6})\b", body).group(1)


def wait_until(predicate, *, timeout: float = 30, interval: float = 0.3, what: str = "the condition"):
    """Polls `predicate` (a worker finishing a task) until it holds; fails saying what was awaited."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def sign_in(page, login: str, password: str, *, next_url: str = "") -> None:
    page.goto("/accounts/login/" + (f"?next={next_url}" if next_url else ""))
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.press("input[name=password]", "Enter")  # the first submit button of the page is the language switch
    page.wait_for_load_state()
