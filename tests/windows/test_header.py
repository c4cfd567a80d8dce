"""The header leads each staff role to its workbench, with its count; a citizen sees none of them."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from portal.models import Role
from tests.conftest import login_verified
from tests.factories import UserFactory
from windows import services

pytestmark = pytest.mark.django_db


def header(client) -> str:
    page = client.get("/").content.decode()
    return page[page.index("<header") : page.index("</header>")]


def test_a_clerk_sees_the_window_workbench_with_the_prereview_count(client, clerk_a, submitted):
    nav = header(login_verified(client, clerk_a))
    assert 'href="/hall/"' in nav and "窗口工作台" in nav
    assert "待预审 1 件" in nav
    assert "审查工作台" not in nav and "系统管理" not in nav


def test_a_reviewer_sees_the_review_workbench_with_the_open_tasks(client, clerk_a, reviewer_x, submitted):
    services.take_in_application(clerk=clerk_a, application=submitted)
    nav = header(login_verified(client, reviewer_x))
    assert 'href="/review/"' in nav and "审查工作台" in nav
    assert "待办 1 件" in nav
    assert "窗口工作台" not in nav


def test_a_department_head_with_nothing_open_still_gets_the_link(client, department_x):
    head = UserFactory(department=department_x, roles=[Role.DEPT_HEAD])
    nav = header(login_verified(client, head))
    assert "审查工作台" in nav and "待办 0 件" in nav


def test_an_editor_sees_the_catalog_editor_and_a_sysadmin_the_admin(client, department_x, sysadmin):
    editor = UserFactory(department=department_x, roles=[Role.CATALOG_EDITOR])
    nav = header(login_verified(client, editor))
    assert f'href="{reverse("catalog:editor_list")}"' in nav and "事项管理" in nav
    client.logout()
    nav = header(login_verified(client, sysadmin))
    assert 'href="/admin/"' in nav and "系统管理" in nav


def test_a_citizen_sees_no_workbench(client, citizen):
    client.force_login(citizen)
    nav = header(client)
    for label in ("窗口工作台", "审查工作台", "事项管理", "系统管理"):
        assert label not in nav


def test_the_header_counts_with_one_query_per_role(client, clerk_a, submitted, django_assert_max_num_queries):
    login_verified(client, clerk_a)
    client.get("/")  # warm: session, OTP device
    with django_assert_max_num_queries(30) as queries:
        client.get("/")
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len([sql for sql in counts if "applications_application" in sql]) == 1


def test_the_header_wraps_on_a_narrow_screen():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "portal.css").read_text()
    assert re.search(r"\.header-row \{[^}]*flex-wrap: wrap", css)
    assert re.search(r"\.main-nav ul \{[^}]*flex-wrap: wrap", css)
