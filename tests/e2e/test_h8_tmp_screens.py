import uuid

from django.conf import settings as dj_settings

dj_settings.MEDIA_URL = "/_h8_no_media/"

from django.test import Client

from tests.applications.test_views_applicant import ALICE_ID, complete_form, verify  # noqa: F401
from tests.applications.conftest import *  # noqa: F401,F403


def test_h8_screens(page, screenshot, citizen, licensing_item, live_server):
    verify(citizen, ALICE_ID)
    licensing_item.form_definition = licensing_item.form_definition + [
        {"name": "kind", "label": "经营类型", "type": "select", "options": ["餐饮", "零售"], "required": True},
        {"name": "scope", "label": "经营范围", "type": "checkbox", "options": ["食品", "日用品"]},
        {"name": "note", "label": "备注", "type": "textarea"},
        {"name": "opened", "label": "开业日期", "type": "date"},
        {"name": "email", "label": "电子邮箱", "type": "email"},
    ]
    licensing_item.save()
    client = Client()
    client.force_login(citizen)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page.goto(f"/applications/new/{licensing_item.code}/")
    screenshot("h8_start")
    page.fill("#id_id_number", ALICE_ID)
    page.click("text=下一步：填写申请")
    page.wait_for_url("**/draft/**")
    screenshot("h8_draft")
    page.fill("#id_f_applicant_name", "张三")
    page.click("button[value=submit]")
    screenshot("h8_draft_errors")
    page.goto("/applications/")
    screenshot("h8_list")
