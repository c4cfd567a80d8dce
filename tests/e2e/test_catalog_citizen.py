"""A citizen in a real Chromium: search by a common word, open the guide, pick a situation, print it.

The demo catalog (seed_demo) is the data: the same Jiangsu items a visitor of `make run` sees.
"""

import io
import re
import subprocess

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from catalog.models import ServiceItem
from tests.e2e.conftest import SCREENSHOTS

pytestmark = [pytest.mark.e2e]

MARRIAGE = "内地居民婚姻登记"
# Added to the material list only by the option "曾有婚史（离异或丧偶）" (catalog/demo/data/items/household.yaml).
DIVORCE_PAPERS = "离婚证或配偶死亡证明"
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def demo_catalog(transactional_db):
    call_command("seed_demo", "--no-accounts", stdout=io.StringIO())
    return ServiceItem.objects.filter(name=MARRIAGE, status=ServiceItem.Status.PUBLISHED)


def run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def material_names(page) -> list[str]:
    """The names in the guide's material list (the heading's own text, without its badges)."""
    return page.locator("#material-list .material-name").evaluate_all(
        "nodes => nodes.map(n => n.firstChild.textContent.trim())"
    )


def radio_widths(page) -> list[float]:
    return page.locator(".situation-option input").evaluate_all(
        "inputs => inputs.map(i => i.getBoundingClientRect().width)"
    )


def test_a_citizen_finds_the_marriage_guide_picks_a_situation_and_prints_it(demo_catalog, page, screenshot, tmp_path):
    assert demo_catalog.exists()
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("一网通办，一次办好")
    screenshot("catalog-citizen-1-home")

    # 婚姻 is a common word, not the start of the item's name: the search must still find it.
    page.get_by_role("searchbox", name="搜索办事事项").fill("婚姻")
    page.get_by_role("button", name="搜索", exact=True).click()
    expect(page).to_have_url(re.compile(r"/items/\?q=%E5%A9%9A%E5%A7%BB"))
    results = page.locator(".item-result-name a")
    expect(results.filter(has_text=MARRIAGE).first).to_be_visible()
    screenshot("catalog-citizen-2-results")

    results.filter(has_text=MARRIAGE).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(MARRIAGE)
    before = material_names(page)
    assert DIVORCE_PAPERS not in before
    assert "男女双方居民身份证" in before

    # guide.js swaps the material list in place when an option is picked: in, out, in again.
    divorce_papers = page.locator("#material-list .material-name", has_text=DIVORCE_PAPERS)
    page.get_by_role("radio", name="曾有婚史（离异或丧偶）").check()
    expect(divorce_papers).to_be_visible()
    page.get_by_role("radio", name="无婚史").check()
    expect(divorce_papers).to_have_count(0)
    expect(page.locator("#material-list .material-count")).to_have_text(f"共 {len(before)} 项材料")
    page.get_by_role("radio", name="曾有婚史（离异或丧偶）").check()
    expect(divorce_papers).to_be_visible()
    after = material_names(page)
    assert set(after) - set(before) == {DIVORCE_PAPERS}
    expect(page.locator("#material-list .material-count")).to_have_text(f"共 {len(after)} 项材料")
    page.locator("#materials").evaluate("section => section.scrollIntoView()")
    screenshot("catalog-citizen-3-guide-situation", full_page=False)

    pdf_link = page.get_by_role("link", name="下载打印版（PDF）")
    expect(pdf_link).to_have_attribute("href", re.compile(r"guide\.pdf\?s\d+=\d+$"))
    # The guide PDF is served inline, and this Chromium shows it in its own viewer (whose page is all
    # Playwright's response.body() returns); the route keeps a copy of the bytes the server sent.
    served: list[bytes] = []

    def keep_pdf(route):
        response = route.fetch()
        served.append(response.body())
        route.fulfill(response=response)

    page.route(re.compile(r"/guide\.pdf\?"), keep_pdf)
    with page.expect_response(re.compile(r"/guide\.pdf\?")) as response_info:
        pdf_link.click()
    response = response_info.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    expect(page).to_have_url(re.compile(r"/guide\.pdf\?s\d+=\d+$"))
    path = tmp_path / "guide.pdf"
    path.write_bytes(served[0])
    assert path.read_bytes().startswith(b"%PDF")
    text = run("pdftotext", "-layout", str(path), "-")
    assert MARRIAGE in text
    assert DIVORCE_PAPERS in text
    assert "CJK" in run("pdffonts", str(path))  # Chinese set in an embedded CJK font, not boxes
    run("pdftoppm", "-png", "-r", "70", "-l", "2", str(path), str(SCREENSHOTS / "catalog-citizen-6-guide-pdf"))


def test_the_guide_reads_on_a_phone_and_in_large_text(demo_catalog, page, screenshot):
    item = demo_catalog.first()
    page.set_viewport_size(PHONE)
    page.goto(item.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(MARRIAGE)
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # A long option label must not squeeze its radio button smaller than the others.
    widths = radio_widths(page)
    assert len(widths) == 4 and len(set(widths)) == 1, widths
    screenshot("catalog-citizen-4-guide-phone")

    size_before = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.get_by_role("button", name="大字版").click()
    expect(page.get_by_role("button", name="大字版")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("html")).to_have_class(re.compile(r"\blarge-text\b"))
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") > size_before
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert len(set(radio_widths(page))) == 1, radio_widths(page)
    screenshot("catalog-citizen-5-guide-phone-large-text")
