"""Export of published items and the import templates, in the layout the import reads back."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from catalog import imports
from catalog.models import ImportJob, ServiceItem, Topic
from catalog.services import item_spec, write_item_version
from tests.catalog.test_import import confirm, latest_job, upload
from tests.conftest import login_verified
from tests.factories import BasicItemFactory, ServiceItemFactory

EXPORT = reverse("catalog:export_download")
SHEETS = ["填写说明", "事项", "材料", "情形", "环节", "收费", "常见问题"]


@pytest.fixture
def client_x(client, editor_x):
    return login_verified(client, editor_x)


def published_item(department, **fields):
    """A published item with every kind of child, including separators inside the texts."""
    item = ServiceItemFactory(department=department, has_fee=True, **fields)
    topic = Topic.objects.create(code="kaiban", name="开办企业")
    write_item_version(
        item=item,
        spec={
            "special_procedures": ["site_inspection", "expert_review"],
            "keywords": "食品，许可",
            "materials": [
                {"name": "申请书", "necessity": "required", "originals": 1, "copies": 0, "source": "applicant"},
                {
                    "name": "身份证、户口簿",
                    "necessity": "deferrable",
                    "originals": 0,
                    "copies": 2,
                    "source": "government",
                    "notes": "复印件一式两份；须本人签字 | 注明日期",
                    "is_situational": True,
                },
            ],
            "situations": [
                {
                    "question": "是否本人办理？",
                    "options": [
                        {"label": "是", "adds": ["身份证、户口簿"], "drops": []},
                        {"label": "否", "adds": [], "drops": ["申请书"]},
                    ],
                }
            ],
            "steps": [{"kind": "handle", "limit_days": 3, "description": "初审"}, {"kind": "approve", "limit_days": 2}],
            "fees": [
                {
                    "name": "工本费",
                    "standard": "每证 10 元",
                    "amount_yuan": Decimal("10.50"),
                    "basis": "价格文件",
                    "is_waivable": True,
                }
            ],
            "faqs": [{"question": "多久办结？", "answer": "10 个工作日。\n特殊情况另行告知。"}],
            "topics": [topic.code],
        },
    )
    return item


def test_the_xlsx_template_has_the_layout_sheets_and_an_example(client_x, department_x):
    response = client_x.get(reverse("catalog:import_template", args=["xlsx"]))

    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == SHEETS
    rows = list(workbook["事项"].iter_rows(values_only=True))
    assert list(rows[0]) == imports.ITEM_HEADERS and len(rows) == 2
    assert rows[1][imports.ITEM_HEADERS.index("实施机关统一社会信用代码")] == department_x.uscc
    assert len(list(workbook["材料"].iter_rows(values_only=True))) == 5
    assert len(list(workbook["情形"].iter_rows(values_only=True))) == 3
    guide = "\n".join(str(r[0]) for r in workbook["填写说明"].iter_rows(values_only=True) if r[0])
    assert "名称|必要性" not in guide and "材料名称 | 必要性 | 原件份数" in guide and "事项 · 服务对象" in guide


def test_the_csv_template_is_utf8_with_the_compact_columns(client_x):
    response = client_x.get(reverse("catalog:import_template", args=["csv"]))

    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    header, example = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header == imports.CSV_HEADERS
    materials = example[header.index("申请材料")]
    assert materials.startswith("食品经营许可申请书|必要|1|0|申请人自备") and materials.count("；") == 3
    assert example[header.index("办理情形")].startswith("是否委托他人办理？|是|授权委托书、受托人身份证")


def test_an_unknown_template_format_is_not_found(client_x):
    assert client_x.get(reverse("catalog:import_template", args=["pdf"])).status_code == 404


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_imports_back_as_drafts_equal_to_the_published_versions(client_x, department_x, fmt):
    first = published_item(department_x)
    second = ServiceItemFactory(department=department_x, basic_item=BasicItemFactory(item_type="07"), item_type="07")
    exported = client_x.get(EXPORT, {"format": fmt, "department": department_x.pk})
    assert exported.status_code == 200

    response = upload(client_x, f"导出.{fmt}", exported.content)
    job = latest_job()
    assert response.status_code == 302 and job.status == ImportJob.Status.VALID, job.problems
    confirm(client_x, job)

    for published in (first, second):
        draft = ServiceItem.objects.get(code=published.code, status=ServiceItem.Status.DRAFT)
        assert draft.version == published.version + 1
        assert item_spec(draft) == item_spec(published)


def test_an_export_holds_only_published_items_of_the_editors_departments(client, editor_y, department_x, department_y):
    ServiceItemFactory(department=department_x, name="X 的事项")
    ServiceItemFactory(department=department_y, name="Y 的已发布事项")
    ServiceItemFactory(department=department_y, name="Y 的草稿", draft=True)
    login_verified(client, editor_y)

    response = client.get(EXPORT, {"format": "csv"})

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["事项名称"] for r in rows] == ["Y 的已发布事项"]
    assert rows[0]["实施机关统一社会信用代码"] == department_y.uscc


def test_another_departments_export_is_forbidden(client, editor_y, department_x):
    ServiceItemFactory(department=department_x)
    login_verified(client, editor_y)

    assert client.get(EXPORT, {"format": "xlsx", "department": department_x.pk}).status_code == 403


def test_bad_export_parameters_are_refused(client_x):
    assert client_x.get(EXPORT, {"format": "pdf"}).status_code == 400
    assert client_x.get(EXPORT, {"department": "999999"}).status_code == 404
    assert client_x.get(EXPORT, {"department": "x' OR 1=1"}).status_code == 404
    assert client_x.get(EXPORT, {"department": "9" * 40}).status_code == 404


def test_the_export_page_lists_the_editors_departments(client_x, department_x, department_y):
    response = client_x.get(reverse("catalog:export_page"))

    text = response.content.decode()
    assert response.status_code == 200 and department_x.name in text and department_y.name not in text


def test_a_citizen_and_a_publisher_may_not_export(client, citizen, publisher, department_x):
    ServiceItemFactory(department=department_x)
    client.force_login(citizen)
    assert client.get(EXPORT).status_code == 403
    login_verified(client, publisher)
    assert client.get(EXPORT).status_code == 403
    assert client.get(reverse("catalog:export_page")).status_code == 403


FORMULA_LIKE = ['=HYPERLINK("http://evil.example","点此")', "+86 025 1234 5678", "-1+1", "@SUM(A1:A2)"]


def formula_items(department):
    """Published items whose name, phones, a material and an FAQ start with a formula character."""
    items = []
    for index, text in enumerate(FORMULA_LIKE):
        item = ServiceItemFactory(
            department=department, name=f"{text} 事项", consult_phone=text[:30], complaint_phone=f"={index}+1"
        )
        material = {"name": text, "necessity": "required", "originals": 1, "copies": 0, "source": "applicant"}
        write_item_version(item=item, spec={"materials": [material], "faqs": [{"question": text, "answer": text}]})
        items.append(item)
    return items


def test_an_xlsx_export_writes_texts_that_look_like_formulas_as_text(client_x, department_x):
    formula_items(department_x)

    exported = client_x.get(EXPORT, {"format": "xlsx", "department": department_x.pk})

    workbook = openpyxl.load_workbook(io.BytesIO(exported.content))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    names = [row[imports.ITEM_HEADERS.index("事项名称")] for row in workbook["事项"].iter_rows(values_only=True)]
    assert sorted(names[1:]) == sorted(f"{text} 事项" for text in FORMULA_LIKE)


def test_a_csv_export_puts_an_apostrophe_before_texts_that_look_like_formulas(client_x, department_x):
    formula_items(department_x)

    exported = client_x.get(EXPORT, {"format": "csv", "department": department_x.pk})

    header, *rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert not [cell for row in rows for cell in row if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    names = sorted(row[header.index("事项名称")] for row in rows)
    assert names == sorted(f"'{text} 事项" for text in FORMULA_LIKE)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_texts_that_look_like_formulas_import_back_unchanged(client_x, department_x, fmt):
    published = formula_items(department_x)
    exported = client_x.get(EXPORT, {"format": fmt, "department": department_x.pk})

    response = upload(client_x, f"导出.{fmt}", exported.content)
    job = latest_job()
    assert response.status_code == 302 and job.status == ImportJob.Status.VALID, job.problems
    confirm(client_x, job)

    for item in published:
        draft = ServiceItem.objects.get(code=item.code, status=ServiceItem.Status.DRAFT)
        assert item_spec(draft) == item_spec(item)
        assert draft.name == item.name and draft.consult_phone == item.consult_phone
