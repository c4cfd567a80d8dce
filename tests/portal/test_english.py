"""English throughout (issue 9): with English chosen, no interface text in Han characters.

Chinese stays the default. One demo is seeded for the whole module (tests/conftest.py `seeded_demo`:
seed_demo, seed_demo_hall, seed_demo_ratings, in a transaction rolled back after it); each demo role
signs in with the language cookie set to English and walks its main pages. A page fails on Han
characters in its text or in the attributes a user reads (title, aria-label, placeholder, alt, value of
buttons), except data: elements marked lang="zh-Hans" and the values the demo stored (item, department,
people's names, materials…), which stay as issued. Seeding the whole demo once takes about half a
minute; the walks take seconds.
"""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.db import models
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from applications.models import Application, ReviewTask
from catalog.models import Bundle, ServiceItem
from portal.models import User
from reviews.models import Rectification
from tests.conftest import login_verified
from tests.factories import ServiceItemFactory

HAN = re.compile(r"[\u3400-\u9fff\u3001-\u303f\uff01-\uff5e]+")  # Han, CJK and full-width punctuation
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
# Rows that are written by the portal itself: their text is interface, shown translated, never data.
NOT_DATA = {"TimelineEvent", "Notification", "OutboxMessage", "AuditEvent", "Session", "LogEntry"}


class _Text(HTMLParser):
    """The text a reader sees, without what is marked as Chinese data, scripts and styles."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: is it (or an ancestor) skipped
        self.parts: list[str] = []

    def _skipped(self) -> bool:
        return bool(self.stack and self.stack[-1])

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        skip = self._skipped() or tag in ("script", "style") or (values.get("lang") or "").lower() == "zh-hans"
        if not skip:
            self.parts += [values[a] or "" for a in READ_ATTRIBUTES if a in values]
            if tag == "input" and values.get("type") in ("submit", "button"):
                self.parts.append(values.get("value") or "")
        if tag not in self.VOID:
            self.stack.append(skip)

    def handle_startendtag(self, tag, attrs):
        values = dict(attrs)
        if not self._skipped() and (values.get("lang") or "").lower() != "zh-hans":
            self.parts += [values[a] or "" for a in READ_ATTRIBUTES if a in values]

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self._skipped():
            self.parts.append(data)


def _data_values() -> list[str]:
    """Every text value the demo stored outside the portal's own rows: data, shown as issued."""
    values: set[str] = set()
    from django.apps import apps

    for model in apps.get_models():
        if model.__name__ in NOT_DATA:
            continue
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)]
        if not fields:
            continue
        for row in model.objects.values_list(*fields):
            values.update(v.strip() for v in row if isinstance(v, str) and HAN.search(v))
    # Parts of data (a line of a text, one of a list of names) appear too.
    parts = {p.strip() for v in values for p in re.split(r"[\n；;、，,]", v) if HAN.search(p)}
    return sorted(values | parts, key=len, reverse=True)


def interface_han(html: str, data: list[str]) -> list[str]:
    parser = _Text()
    parser.feed(html)
    text = "\n".join(parser.parts)
    for value in data:
        if value in text:
            text = text.replace(value, " ")
    # Each leftover with a little context, so that a failure says where it is.
    return sorted({text[max(m.start() - 12, 0) : m.end() + 12].strip() for m in HAN.finditer(text)})


@pytest.fixture(scope="module")
def demo(seeded_demo, django_db_blocker):
    with django_db_blocker.unblock():
        return _data_values()


@pytest.fixture
def english(demo, db):
    def client_for(username: str | None) -> Client:
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        if username:
            user = User.objects.get(username=username)
            if user.is_staff or user.groups.exclude(name="citizen").exists():
                login_verified(client, user)
            else:
                client.force_login(user)
        return client

    return client_for


def walk(client: Client, urls: list[str], data: list[str]) -> None:
    problems = []
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code == 200, (url, response.status_code)
        html = response.content.decode()
        assert 'lang="en"' in html, url
        found = interface_han(html, data)
        if found:
            problems.append(f"{url}: {found[:12]}")
    assert not problems, "\n".join(problems)


def _case(**filters) -> Application:
    return Application.objects.filter(number__isnull=False, **filters).order_by("pk").first()


CITIZEN = "13900000001"
AGENT = "13900000002"


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
class TestEnglishForEveryRole:
    def test_anonymous_pages(self, english, demo):
        item = ServiceItem.objects.filter(status="published").order_by("pk").first()
        walk(
            english(None),
            [
                "/",
                reverse("catalog:search"),
                reverse("catalog:search") + "?q=%E7%A4%BE%E4%BF%9D",
                reverse("catalog:guide", args=[item.code]),
                reverse("accounts:login"),
                reverse("accounts:register"),
                reverse("applications:lookup"),
                reverse("ratings:public"),
                reverse("catalog:bundle_list"),
                *[reverse("catalog:bundle_guide", args=[b.code]) for b in Bundle.objects.filter(status="published")],
            ],
            demo,
        )

    def test_error_pages(self, english):
        client = english(None)
        for url, status in (("/items/no-such-item/", 404), ("/applications/", 302)):
            response = client.get(url)
            assert response.status_code == status, url
            if status == 404:
                assert not interface_han(response.content.decode(), []), url

    @pytest.mark.urls("tests.portal.error_urls")
    def test_the_error_pages_in_production(self, demo):
        with override_settings(DEBUG=False):
            client = Client(raise_request_exception=False)
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
            for url, status in (("/no-such-page/", 404), ("/forbidden/", 403), ("/suspicious/", 400), ("/boom/", 500)):
                response = client.get(url)
                assert response.status_code == status, url
                html = response.content.decode()
                assert 'lang="en"' in html and not interface_han(html, []), (url, interface_han(html, []))

    def test_the_citizens_bundle_application_deferred_material_and_licences(self, english, demo):
        from applications.models import SubmittedMaterial
        from applications.services import bundles as bundle_services

        user = User.objects.get(username=CITIZEN)
        bundle = Bundle.objects.filter(status="published").order_by("pk").first()
        draft = bundle_services.start_bundle_application(
            user=user,
            bundle=bundle,
            acting_as=Application.ActingAs.SELF,
            id_number="320115199003071230",
            phone=user.phone or "",
        )
        urls = [
            reverse("applications:bundle", args=[draft.pk]),
            reverse("applications:bundle_start", args=[bundle.code]),
            reverse("catalog:bundle_list"),
            reverse("catalog:bundle_guide", args=[bundle.code]),
            reverse("applications:licences"),
        ]
        # A case in review that owes a 容缺后补 material: its page offers the upload.
        case = _case(applicant_user=user, status=Application.Status.IN_REVIEW)
        if case:
            requirement = case.item.materials.order_by("pk").first()
            SubmittedMaterial.objects.create(application=case, requirement=requirement, deferred_until=case.due_on)
            urls.append(reverse("applications:detail", args=[case.number]))
        walk(english(CITIZEN), urls, demo)

    def test_the_citizen(self, english, demo):
        user = User.objects.get(username=CITIZEN)
        item = ServiceItem.objects.filter(status="published").order_by("pk").first()
        case = _case(applicant_user=user)
        urls = [
            "/",
            reverse("applications:list"),
            reverse("applications:start", args=[item.code]),
            reverse("accounts:profile"),
            reverse("portal:notifications"),
            reverse("ratings:mine"),
            reverse("applications:licences"),
        ]
        if case:
            urls += [reverse("applications:detail", args=[case.number])]
            if case.status == Application.Status.CONCLUDED:
                urls.append(reverse("ratings:rate", args=[case.number]))
        walk(english(CITIZEN), urls, demo)

    def test_the_company_agent(self, english, demo):
        user = User.objects.get(username=AGENT)
        urls = ["/", reverse("applications:list"), reverse("accounts:profile")]
        case = _case(applicant_user=user)
        if case:
            urls.append(reverse("applications:detail", args=[case.number]))
        walk(english(AGENT), urls, demo)

    def test_the_clerk(self, english, demo):
        urls = [
            reverse("windows:workbench"),
            reverse("windows:prereview_queue"),
            reverse("windows:delivery_queue"),
            reverse("windows:walk_in"),
        ]
        client = english("demo_clerk")
        # The cases of the clerk's windows, one in each state they are in.
        cases = {}
        for case in Application.objects.exclude(number=None).order_by("pk"):
            if case.status not in cases and client.get(reverse("windows:case", args=[case.number])).status_code == 200:
                cases[case.status] = case
        assert len(cases) >= 3, cases
        urls += [reverse("windows:case", args=[case.number]) for case in cases.values()]
        walk(client, urls, demo)

    def test_the_reviewer_and_the_head(self, english, demo):
        task = ReviewTask.objects.filter(status="open").order_by("pk").first()
        urls = [reverse("reviews:queue"), reverse("reviews:problems"), reverse("reviews:rectifications")]
        if task:
            urls.append(reverse("reviews:case", args=[task.application.number]))
        walk(english("demo_reviewer"), urls, demo)
        walk(english("demo_dept_head"), urls, demo)

    def test_the_catalog_editor_and_publisher(self, english, demo):
        editor = User.objects.get(username="demo_editor_jn")
        item = ServiceItem.objects.filter(department=editor.department).order_by("pk").first()
        urls = [
            reverse("catalog:editor_list"),
            reverse("catalog:import_start"),
            reverse("catalog:export_page"),
            reverse("catalog:editor_detail", args=[item.pk]),
            reverse("catalog:editor_history", args=[item.pk]),
        ]
        bundle = Bundle.objects.filter(department=editor.department).order_by("pk").first()
        urls += [reverse("catalog:bundle_editor_list"), reverse("catalog:bundle_editor_create")]
        if bundle:
            urls.append(reverse("catalog:bundle_editor_detail", args=[bundle.pk]))
        walk(english("demo_editor_jn"), urls, demo)
        walk(english("demo_publisher"), [reverse("catalog:editor_queue"), reverse("catalog:editor_list")], demo)

    def test_the_supervisor(self, english, demo):
        from applications.models import Commitment, CreditRecord

        case = _case()
        requirement = case.item.materials.order_by("pk").first()
        commitment = Commitment.objects.create(
            application=case, requirement=requirement, text="承诺", signed_at=case.created_at
        )
        CreditRecord.objects.create(
            party=case.party,
            application=case,
            commitment=commitment,
            subject_name=case.applicant_name,
            reason=case.item.name,  # data, shown as written
            recorded_at=case.created_at,
        )
        urls = [
            reverse("supervision:dashboard"),
            reverse("reviews:rectifications"),
            reverse("supervision:credit_records"),
        ]
        rectification = Rectification.objects.order_by("pk").first()
        if rectification:
            urls.append(reverse("reviews:rectification", args=[rectification.pk]))
        walk(english("demo_supervisor"), urls, demo)

    def test_the_system_administrator(self, english, demo):
        walk(english("demo_sysadmin"), ["/", "/admin/", "/admin/portal/user/", "/admin/windows/window/"], demo)


@pytest.mark.django_db
def test_chinese_stays_the_default_without_the_cookie(client):
    item = ServiceItemFactory()
    home = client.get("/").content.decode()
    assert 'lang="zh-hans"' in home
    assert "跳到主要内容" in home
    guide = client.get(reverse("catalog:guide", args=[item.code])).content.decode()
    assert "基本信息" in guide
    assert "Basic information" not in guide


@pytest.mark.django_db
def test_a_stored_timeline_note_is_kept_in_chinese_and_shown_in_the_readers_language():
    from django.utils import translation

    from portal import stored_text

    note = stored_text.stored("已受理，承诺办结日期 %(due_on)s。%(provisional)s", due_on="2026-12-02", provisional="")
    with translation.override("en"):
        assert stored_text.source(note) == "已受理，承诺办结日期 2026-12-02。"
        assert stored_text.render(note).startswith("Accepted")


@pytest.mark.django_db
def test_a_notification_written_during_an_english_request_is_stored_in_chinese_and_read_in_english(citizen):
    from django.utils import translation
    from django.utils.translation import gettext_noop

    from portal import outbox, stored_text
    from portal.models import OutboxMessage
    from portal.notifications import create_notifications

    with translation.override("en"):
        message = outbox.enqueue(
            kind="notification",
            key="english-test",
            payload={
                "user_id": citizen.pk,
                "phone": "",
                "title": stored_text.stored(gettext_noop("办件 %(number)s 已超期"), number="N-1"),
                "body": stored_text.stored(gettext_noop("申请人已提交申请。")),
                "link": "",
            },
        )
    message = OutboxMessage.objects.get(pk=message.pk)
    assert message.payload["title"] == "办件 N-1 已超期"
    (notification,) = create_notifications(message=message)
    assert (notification.title, notification.body) == ("办件 N-1 已超期", "申请人已提交申请。")
    with translation.override("en"):
        assert (notification.shown_title, notification.shown_body) == (
            "Case N-1 is overdue",
            "The applicant submitted the application.",
        )
    assert notification.shown_title == "办件 N-1 已超期"


def test_pre_review_has_one_english_name_in_the_hall_and_on_the_case():
    """预审 read "Pre-check queue" in the hall's menu and "awaiting pre-review" on the same case's status."""
    msgids = ["预审", "已申报待预审", "预审队列", "预审队列（按申报时间先后）", "待预审", "暂无待预审的办件。"]
    with translation.override("en"):
        english = [translation.gettext(msgid).lower() for msgid in msgids]
    assert all("pre-review" in text for text in english), english
