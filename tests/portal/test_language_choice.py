"""The site language is the user's choice, remembered; the browser's Accept-Language only decides a
visit without a choice; Chinese is the default (docs/architecture.md, "Languages")."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import ServiceItemFactory

SWITCH = 'action="/i18n/setlang/"'


def lang_of(response) -> str:
    html = response.content.decode()
    return "en" if '<html lang="en"' in html else "zh-hans" if '<html lang="zh-hans"' in html else "?"


@pytest.mark.django_db
def test_chinese_without_a_choice_and_the_browsers_language_on_a_first_visit():
    assert lang_of(Client().get("/")) == "zh-hans"
    assert lang_of(Client(HTTP_ACCEPT_LANGUAGE="fr").get("/")) == "zh-hans"
    assert lang_of(Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").get("/")) == "en"


@pytest.mark.django_db
def test_the_choice_is_remembered_for_a_year_and_beats_the_browser():
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert lang_of(client.get("/")) == "en"
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/items/"})
    assert response.status_code == 302 and response["Location"] == "/items/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "zh-hans" and int(cookie["max-age"]) >= 365 * 24 * 3600  # survives the browser closing
    assert lang_of(client.get("/")) == "zh-hans"
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert lang_of(client.get("/")) == "en"


@pytest.mark.django_db
def test_an_unknown_language_or_an_outside_next_changes_nothing_dangerous():
    client = Client()
    response = client.post(reverse("set_language"), {"language": "xx", "next": "https://evil.example/"})
    assert response.status_code == 302 and "evil.example" not in response["Location"]
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert lang_of(client.get("/")) == "zh-hans"


@pytest.mark.django_db
def test_the_switcher_is_in_the_header_of_every_kind_of_page(citizen):
    item = ServiceItemFactory()
    client = Client()
    pages = ["/", reverse("catalog:search"), reverse("catalog:guide", args=[item.code]), reverse("accounts:login")]
    pages.append("/items/no-such-item/")  # an error page too
    for url in pages:
        html = client.get(url).content.decode()
        header = html.split('class="site-header"', 1)[-1].split("</header>", 1)[0]
        assert SWITCH in header and ">English</button>" in header, url
    client.force_login(citizen)
    header = client.get(reverse("applications:list")).content.decode().split("</header>", 1)[0]
    assert SWITCH in header
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    header = client.get(reverse("applications:list")).content.decode().split("</header>", 1)[0]
    assert ">中文</button>" in header
