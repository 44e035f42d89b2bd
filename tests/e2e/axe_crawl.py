"""Walk every page a signed-in member of staff can reach, as they would (following links from their start page),
and run axe-core (bundled by axe-playwright-python; no network) on each page and on each form in its error state.

The walk is generated, not listed, so a new page is checked as soon as something links to it; the test beside it
also compares the pages reached with the URL conf, so a page nothing links to fails until it is reached or
explicitly excused with a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from axe_playwright_python.sync_playwright import Axe

# WCAG 2.0, 2.1 and 2.2 at A and AA, plus axe's best practices (landmarks: `region`, headings, ids).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]

# Not pages a person reads: files, JSON, the API, Django's own admin (not our markup), signing out (it would end
# the walk), and polling endpoints.
SKIP = re.compile(r"^/(sign-out|django-admin|api|static|healthz)/|\.(csv|json)$|/progress/$")
MAX_PAGES = 120  # per role; the demo's pages have far fewer shapes than this

_axe = Axe()


# Parameters that change what a page is made of (a team's or a coach's view, every column, the whole office);
# the others (filters, sort orders, paging, where to go back to) only change which rows it lists.
SHAPE_KEYS = {"team", "coach", "columns", "scope"}


def shape(url: str) -> tuple[str, tuple[str, ...]]:
    """Pages that differ only by ids or row-choosing parameters are the same template: visit one of each."""
    parts = urlsplit(url)
    keys = {k for k, _ in parse_qsl(parts.query)} & SHAPE_KEYS
    return re.sub(r"\d+", "N", parts.path), tuple(sorted(keys))


@dataclass
class Finding:
    url: str
    rule: str
    impact: str
    help: str
    targets: list[str]

    def __str__(self) -> str:
        return f"{self.url}: {self.rule} ({self.impact}) {self.help} → {', '.join(self.targets[:4])}"


@dataclass
class Walk:
    visited: list[str] = field(default_factory=list)  # paths with query
    error_states: list[str] = field(default_factory=list)
    pressed: list[str] = field(default_factory=list)  # actions (button-only POST forms) the walk pressed
    findings: list[Finding] = field(default_factory=list)


def check(page, walk: Walk) -> None:
    results = _axe.run(
        page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    )
    where = urlsplit(page.url)
    label = where.path + (f"?{where.query}" if where.query else "")
    for violation in results.response["violations"]:
        walk.findings.append(
            Finding(
                url=label,
                rule=violation["id"],
                impact=violation.get("impact") or "",
                help=violation["help"],
                targets=[" ".join(map(str, node["target"])) for node in violation["nodes"]],
            )
        )


def _links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    found = []
    for href in hrefs:
        if not href.startswith(base):
            continue
        path = href[len(base) :].split("#", 1)[0]
        if path and not SKIP.search(urlsplit(path).path):
            found.append(path)
    return found


POST_FORMS = "form[method=post], form[method=POST]"
TYPED = (
    "input[type=text]:visible, input:not([type]):visible, input[type=number]:visible, "
    "input[type=email]:visible, input[type=tel]:visible, textarea:visible"
)
SUBMIT = "button[type=submit], button:not([type]), input[type=submit]"


def _fillable(form) -> int:
    return form.locator(TYPED).count()


def _each_post_form(page, base: str, path: str):
    """Each POST form of the page, freshly loaded for each (an earlier one may have changed the page)."""
    for index in range(page.locator(POST_FORMS).count()):
        page.goto(base + path)
        forms = page.locator(POST_FORMS)
        if index >= forms.count():
            return  # an earlier action changed the page
        yield forms.nth(index)


def _error_states(page, base: str, path: str, walk: Walk) -> None:
    """Each POST form with something to type, submitted with every typed field empty: its error state."""
    for form in _each_post_form(page, base, path):
        if "sign-out" in (form.get_attribute("action") or "") or not _fillable(form):
            continue
        for field_ in form.locator(TYPED).all():
            field_.fill("")
        submit = form.locator(SUBMIT).first
        if not submit.count() or not submit.is_visible():
            continue
        submit.click()
        page.wait_for_load_state()
        if page.locator(".govuk-error-summary").count():
            walk.error_states.append(path)
            check(page, walk)


def screenshot(page, folder: Path | None, index: int) -> None:
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", urlsplit(page.url).path.lower()).strip("-") or "start"
    page.screenshot(path=str(folder / f"{index:02d}-{slug}.png"), full_page=True)


def _buttons(page, base: str, path: str, walk: Walk, pressed: set) -> list[str]:
    """Press each button-only POST form (start a commitment, reveal restricted information, issue…) once per
    kind of action, as a user would, and return where each one led."""
    led_to = []
    for form in _each_post_form(page, base, path):
        action = urlsplit(form.get_attribute("action") or path).path
        submit = form.locator(SUBMIT).first
        if SKIP.search(action) or shape(action) in pressed or _fillable(form) or not submit.count():
            continue
        if not submit.is_visible():
            continue
        pressed.add(shape(action))
        submit.click()
        page.wait_for_load_state()
        walk.pressed.append(action)
        if page.url.startswith(base):
            where = urlsplit(page.url)
            if where.path != action:  # redirected to a page (an action that answers in place has no GET)
                led_to.append(where.path + (f"?{where.query}" if where.query else ""))
            check(page, walk)  # the page as the action left it (a revealed record, a message banner)
    return led_to


def walk_as(page, base: str, starts: list[str], shots: Path | None = None) -> Walk:
    """Breadth-first from ``starts`` (each visited, even if of the same shape: a record in another state); one page
    per shape after that; axe on each page and each form's error state; a full-page screenshot of each page into
    ``shots``."""
    walk = Walk()
    seen: set[tuple[str, tuple[str, ...]]] = set()
    pressed: set[tuple[str, tuple[str, ...]]] = set()
    queue = [(path, True) for path in starts]
    while queue and len(walk.visited) < MAX_PAGES:
        path, forced = queue.pop(0)
        if shape(path) in seen and not forced:
            continue
        seen.add(shape(path))
        response = page.goto(base + path)
        if response is None or response.status >= 400 or not page.url.startswith(base):
            continue
        walk.visited.append(path)
        check(page, walk)
        screenshot(page, shots, len(walk.visited))
        links = _links(page, base)
        if page.locator(POST_FORMS).count():
            _error_states(page, base, path, walk)
            links += _buttons(page, base, path, walk, pressed)
        queue.extend((link, False) for link in links if shape(link) not in seen)
    return walk
