"""The oversight dashboard and a child's timeline, end to end: `casetrail serve --demo` and
headless Chromium (Debian's, driven by Playwright). Each page must show what the GraphQL API
answers the same token, visibly: the screenshots are read back and the charts' colours looked
for where the charts are.

Skipped, saying so, where Chromium or Playwright is missing, unless CASETRAIL_REQUIRE_BROWSER
is set (CI sets it, and installs both): there a missing browser fails."""

import os
import shutil
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.processes import Demo, serving_demo

CHROMIUM = os.environ.get("CASETRAIL_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
REQUIRED = bool(os.environ.get("CASETRAIL_REQUIRE_BROWSER"))

try:
    from PIL import Image
    from playwright.sync_api import FloatRect, Page, sync_playwright
except ImportError:  # pragma: no cover - the dev extras install both
    if REQUIRED:
        raise
    pytest.skip("Playwright or Pillow is not installed", allow_module_level=True)
if not Path(CHROMIUM).exists():
    if REQUIRED:
        raise AssertionError(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

# The pages' colours (server/web/pages.css): a chart drawn is a chart whose colour shows.
BAR_BLUE = (0x2A, 0x6F, 0xDB)
WARN_RED = (0xE4, 0x57, 0x2E)
FIGURE_NAVY = (0x1D, 0x35, 0x57)
MARKS = {
    "custody": (0x1D, 0x35, 0x57),
    "address": (0x2A, 0x9D, 0x8F),
    "notice": (0xE9, 0xC4, 0x6A),
    "hearing": (0xE4, 0x57, 0x2E),
    "contact": (0x8E, 0x44, 0xAD),
}
REPORT = """
{ oversightReport {
    transferredToHhs releasedToSponsor releasedWithoutServedNotice releasedWithoutHearing
    failedToAppear failedToAppearLocationUnknown inAbsentiaOrders representedShare
    openAlerts { kind count } failedToAppearByCourt { court count } } }"""
CHILD = """
query Child($id: ID!) { child(id: $id) {
  firstName lastName custodyEvents { id } addresses { id } notices { id } hearings { status }
  contactAttempts { id } history(first: 100) { edges { node { entityId actor { name } } } } } }"""


def data(demo: Demo, query: str, role: str, **variables: Any) -> dict[str, Any]:
    """What the API answers the demo's token of `role`."""
    answer = httpx.post(
        f"{demo.base}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {demo.tokens[role]}"},
        timeout=30,
    ).json()
    assert "errors" not in answer, answer
    found: dict[str, Any] = answer["data"]
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with serving_demo(tmp_path_factory.mktemp("web")) as served:
        yield served


@pytest.fixture
def page() -> Iterator["Page"]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser.new_page(viewport={"width": 1100, "height": 900})
        finally:
            browser.close()


def sign_in(page: "Page", url: str, token: str) -> None:
    page.goto(url)
    page.fill("#token", token)
    page.click("#sign-in button")
    page.wait_for_selector("body[data-loaded]", timeout=30_000)


def shows_colour(
    screenshot: "Image.Image", box: "FloatRect | None", colour: tuple[int, int, int]
) -> bool:
    """Whether the region of the page at `box` has pixels of `colour` (give or take a little
    for anti-aliasing)."""
    assert box is not None, "the element is not on the page"
    region = screenshot.crop(
        (int(box["x"]), int(box["y"]), int(box["x"] + box["width"]), int(box["y"] + box["height"]))
    ).convert("RGB")
    found = 0
    for pixel in region.get_flattened_data():
        assert isinstance(pixel, tuple)  # RGB
        if all(abs(a - b) <= 12 for a, b in zip(pixel, colour, strict=True)):
            found += 1
            if found >= 20:
                return True
    return False


def test_the_dashboard_shows_the_reports_figures_and_charts(demo: Demo, page: "Page") -> None:
    # given what the API answers the oversight token
    report = data(demo, REPORT, "OVERSIGHT")["oversightReport"]
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    # when
    sign_in(page, f"{demo.base}/oversight", demo.tokens["OVERSIGHT"])
    screenshot = Image.open(BytesIO(page.screenshot(full_page=True)))

    # then every figure is the API's
    assert page.get_attribute("body", "data-loaded") == "true"
    for name in ("releasedToSponsor", "failedToAppear", "inAbsentiaOrders", "transferredToHhs"):
        shown = page.inner_text(f'[data-figure="{name}"] .number')
        assert shown == f"{report[name]:,}", name
    share = page.inner_text('[data-figure="representedShare"] .number')
    assert share == f"{round(report['representedShare'] * 100)} %"
    # a bar for each court and each alert kind, with the API's counts
    courts = page.locator("#by-court svg text.label").all_text_contents()
    assert courts == [entry["court"] for entry in report["failedToAppearByCourt"]]
    assert report["failedToAppearByCourt"], "the demo has children who failed to appear"
    counts = page.locator("#alerts svg text.value").all_text_contents()
    assert counts == [str(entry["count"]) for entry in report["openAlerts"]]
    assert len(page.locator("#trends svg text.small").all_text_contents()) == 12
    # and the screenshot shows them where they are
    assert shows_colour(screenshot, page.locator("#figures .figures").bounding_box(), FIGURE_NAVY)
    assert shows_colour(screenshot, page.locator("#by-court svg").bounding_box(), WARN_RED)
    assert shows_colour(screenshot, page.locator("#alerts svg").bounding_box(), BAR_BLUE)
    assert shows_colour(screenshot, page.locator("#trends svg").bounding_box(), BAR_BLUE)
    assert page.locator("#missed a").count() == min(report["failedToAppear"], 20)
    # no request carried the token in its URL
    assert not [url for url in requested if demo.tokens["OVERSIGHT"] in url]


def test_a_childs_timeline_shows_each_record_with_its_history(demo: Demo, page: "Page") -> None:
    # given the dashboard's first child who failed to appear
    sign_in(page, f"{demo.base}/oversight", demo.tokens["OVERSIGHT"])
    link = page.locator("#missed a").first
    child_id = (link.get_attribute("href") or "").split("#", 1)[1]
    child = data(demo, CHILD, "OVERSIGHT", id=child_id)["child"]
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    # when
    link.click()
    page.wait_for_selector("#entries li", timeout=30_000)
    page.wait_for_function("document.body.dataset.loaded === 'true'")
    screenshot = Image.open(BytesIO(page.screenshot(full_page=True)))

    # then the child, and one entry per record on one axis
    assert page.inner_text("#child h2") == f"{child['lastName']}, {child['firstName']}"
    kinds = page.locator("#entries li.entry").evaluate_all(
        "items => items.map(i => i.dataset.kind)"
    )
    expected = {
        "custody": len(child["custodyEvents"]),
        "address": len(child["addresses"]),
        "notice": len(child["notices"]),
        "hearing": len(child["hearings"]),
        "contact": len(child["contactAttempts"]),
    }
    assert {kind: kinds.count(kind) for kind in expected} == expected
    assert "failed to appear" in page.inner_text("#entries")
    # each record's history entries: who, what changed
    events = [edge["node"] for edge in child["history"]["edges"]]
    shown = page.locator("#entries .history").count()
    assert shown == len(events)
    actors = {event["actor"]["name"] for event in events}
    assert all(name in page.inner_text("#entries") for name in actors)
    assert "→" in page.inner_text("#entries .changes >> nth=0")
    # the axis, drawn, with a mark of each kind the child has
    axis = page.locator("#axis svg").bounding_box()
    for kind, count in expected.items():
        if count:
            assert shows_colour(screenshot, axis, MARKS[kind]), kind
    # the child's id went to the server only in request bodies
    assert not [url for url in requested if child_id in url]


def test_a_role_that_may_not_read_the_report_is_told_so(demo: Demo, page: "Page") -> None:
    # when
    sign_in(page, f"{demo.base}/oversight", demo.tokens["OFFICER"])

    # then
    assert page.get_attribute("body", "data-loaded") == "error"
    assert "Only OVERSIGHT may read" in page.inner_text("#figures")


def test_a_refused_token_leaves_the_sign_in_form_with_the_reason(demo: Demo, page: "Page") -> None:
    # when
    page.goto(f"{demo.base}/timeline")
    page.fill("#token", "ct_not-a-real-token")
    page.click("#sign-in button")
    page.wait_for_selector("#sign-in .error:not(:empty)")

    # then
    assert "refused" in page.inner_text("#sign-in .error")
    assert page.evaluate("sessionStorage.getItem('casetrail-token')") is None


def test_the_pages_are_served_with_a_policy_that_runs_only_their_own_scripts(demo: Demo) -> None:
    # when
    answers = [
        httpx.get(f"{demo.base}{path}", timeout=10)
        for path in ("/oversight", "/timeline", "/assets/common.js")
    ]

    # then
    for answer in answers:
        assert answer.status_code == 200
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "default-src 'none'" in policy
        assert answer.headers["referrer-policy"] == "no-referrer"
    assert "ct_" not in answers[0].text  # a page holds no data, and no token
