"""The interface is available in English (locale/en) while Chinese stays the default."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import ServiceItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def english_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_navigation_and_home_page_are_in_english_with_the_language_cookie(english_client):
    ServiceItemFactory()
    html = page(english_client, "/")
    assert 'lang="en"' in html
    expected = ("Skip to main content", "Log in", "Sign up", "Search for a service", "Popular service items")
    for text in expected:
        assert text in html, text
    assert "跳到主要内容" not in html
    assert "热门事项" not in html


def test_the_search_page_is_in_english_while_item_content_stays_chinese(english_client):
    item = ServiceItemFactory(name="测试英文界面事项")
    html = page(english_client, "/items/")
    for text in ("Search service items", "Search", "Administrative division", "service item found"):
        assert text in html, text
    assert item.name in html
    assert "搜索事项" not in html


def test_a_service_guide_is_in_english_with_the_language_cookie(english_client):
    item = ServiceItemFactory()
    html = page(english_client, reverse("catalog:guide", args=[item.code]))
    for text in ("Service guide", "Basic information", "Implementing agency", "Promised completion time limit"):
        assert text in html, text
    assert "指南目录" not in html


def test_the_login_page_is_in_english_with_the_language_cookie(english_client):
    html = page(english_client, "/accounts/login/")
    assert "Log in" in html
    assert "No account yet?" in html
    assert "还没有账号？" not in html


def test_chinese_stays_the_default_without_the_cookie(client):
    item = ServiceItemFactory()
    home = page(client, "/")
    assert 'lang="zh-hans"' in home
    assert "跳到主要内容" in home
    assert "Skip to main content" not in home
    guide = page(client, reverse("catalog:guide", args=[item.code]))
    assert "基本信息" in guide
    assert "Basic information" not in guide
    login = page(client, "/accounts/login/")
    assert "还没有账号？" in login
    assert "No account yet?" not in login
