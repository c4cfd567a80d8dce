"""Import of the implementation list (CSV and XLSX): drafts only, a per-row report, all or nothing.

Editor X (department X) imports; editor Y belongs to department Y; Alice is a citizen.
"""

import csv
import io
import re
import time
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog import imports
from catalog.models import (
    ImportJob,
    ItemEvent,
    MaterialRequirement,
    ProcessStep,
    ServiceItem,
    Situation,
    SituationOption,
)
from catalog.tasks import validate_import_job, write_import_job
from tests.conftest import login_verified
from tests.factories import BasicItemFactory, ServiceItemFactory

START = reverse("catalog:import_start")

MATERIALS = "申请书|必要|1|0|申请人自备；营业执照|必要|0|1|政府部门核发；授权委托书|必要|1|0|申请人自备||||||||是"
SITUATIONS = "是否委托他人办理？|是|授权委托书|；是否委托他人办理？|否"
STEPS = "承办|3|审查材料；批准|2"


def item_row(key, department, basic_item, **overrides):
    """A valid CSV row (header → text) for a new item of ``department``."""
    row = {
        "序号": str(key),
        "实施编码": "",
        "基本编码": basic_item.code,
        "实施机关统一社会信用代码": department.uscc,
        "事项名称": f"导入事项{key}",
        "服务对象": "自然人、企业法人",
        "法定办结时限": "20",
        "承诺办结时限": "10",
        "到办事现场次数": "1",
        "到现场原因": "核验原件",
        "网上办理": "是",
        "网上办理深度": "Ⅲ",
        "咨询电话": "025-88888888",
        "监督投诉电话": "12345",
        "申请材料": MATERIALS,
        "办理情形": SITUATIONS,
        "审查环节": STEPS,
    }
    row.update(overrides)
    return row


def csv_bytes(rows, *, headers=None, encoding="utf-8-sig"):
    headers = headers or imports.CSV_HEADERS
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, children=None, *, item_headers=None):
    """An XLSX in the layout; ``children`` maps a sheet name to rows of [序号, …columns]."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = imports.ITEM_SHEET
    headers = item_headers or imports.ITEM_HEADERS
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    for child in imports.CHILDREN:
        child_sheet = workbook.create_sheet(child.sheet)
        child_sheet.append([imports.KEY, *(c.header for c in child.columns)])
        for values in (children or {}).get(child.sheet, []):
            child_sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, name, content):
    return client.post(START, {"file": SimpleUploadedFile(name, content)})


def confirm(client, job):
    return client.post(reverse("catalog:import_confirm", args=[job.pk]))


def catalog_counts():
    return (
        ServiceItem.objects.count(),
        MaterialRequirement.objects.count(),
        Situation.objects.count(),
        ProcessStep.objects.count(),
        ItemEvent.objects.count(),
    )


def latest_job():
    return ImportJob.objects.latest("pk")


@pytest.fixture
def basic_item(db):
    return BasicItemFactory(code="000120000100", name="食品经营许可")


@pytest.fixture
def client_x(client, editor_x):
    return login_verified(client, editor_x)


# --- Good files -------------------------------------------------------------------------------


def test_a_good_csv_import_creates_drafts_with_materials_situations_and_steps(
    client_x, department_x, basic_item, editor_x
):
    content = csv_bytes([item_row(1, department_x, basic_item), item_row(2, department_x, basic_item)])
    response = upload(client_x, "清单.csv", content)
    job = latest_job()
    assert response.status_code == 302 and response["Location"] == reverse("catalog:import_job", args=[job.pk])
    assert job.status == ImportJob.Status.VALID and job.total_rows == 2 and job.encoding == "utf-8"
    assert ServiceItem.objects.count() == 0  # validation writes nothing

    response = confirm(client_x, job)

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTED and len(job.imported_codes) == 2
    items = ServiceItem.objects.filter(code__in=job.imported_codes)
    assert {i.status for i in items} == {ServiceItem.Status.DRAFT}
    item = items.get(name="导入事项1")
    assert item.department == department_x and item.basic_item == basic_item and item.created_by == editor_x
    assert item.service_objects == ["natural_person", "enterprise"]
    assert item.online_depth == ServiceItem.OnlineDepth.ONLINE_PREREVIEW and item.accepts_on_pc
    assert [(m.name, m.necessity, m.originals, m.copies, m.source, m.is_situational) for m in item.materials.all()] == [
        ("申请书", "required", 1, 0, "applicant", False),
        ("营业执照", "required", 0, 1, "government", False),
        ("授权委托书", "required", 1, 0, "applicant", True),
    ]
    situation = item.situations.get()
    assert situation.question == "是否委托他人办理？"
    yes, no = situation.options.all()
    assert [m.name for m in yes.adds.all()] == ["授权委托书"] and not no.adds.exists()
    assert [(s.kind, s.limit_days, s.description) for s in item.steps.all()] == [
        ("handle", 3, "审查材料"),
        ("approve", 2, ""),
    ]
    assert item.events.filter(action=ItemEvent.Action.IMPORTED, actor=editor_x).exists()
    assert not ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED).exists()


def test_a_good_xlsx_import_creates_drafts_from_the_child_sheets(client_x, department_x, basic_item):
    rows = [item_row(1, department_x, basic_item), item_row(2, department_x, basic_item, 事项名称="第二个事项")]
    children = {
        "材料": [
            [1, "申请书", "必要", 1, 0, "申请人自备"],
            [1, "身份证", "容缺后补", 0, 1, "申请人自备"],
            [2, "营业执照", "非必要", 0, 1, "电子证照库"],
        ],
        "情形": [[1, "是否首次申请？", "是", "", "身份证"], [1, "是否首次申请？", "否", "", ""]],
        "环节": [[1, "承办", 4, ""], [1, "审核", 3, ""], [2, "批准", 5, "当场批准"]],
        "常见问题": [[2, "要收费吗？", "不收费。"]],
    }

    upload(client_x, "清单.xlsx", xlsx_bytes(rows, children))
    job = latest_job()
    assert job.status == ImportJob.Status.VALID, job.problems
    confirm(client_x, job)

    first = ServiceItem.objects.get(name="导入事项1")
    second = ServiceItem.objects.get(name="第二个事项")
    assert first.status == second.status == ServiceItem.Status.DRAFT
    assert [(m.name, m.necessity) for m in first.materials.all()] == [("申请书", "required"), ("身份证", "deferrable")]
    option = SituationOption.objects.get(situation__item=first, label="是")
    assert [m.name for m in option.drops.all()] == ["身份证"]
    assert [s.kind for s in first.steps.all()] == ["handle", "check"]
    assert [(m.name, m.source) for m in second.materials.all()] == [("营业执照", "license")]
    assert second.faqs.get().answer == "不收费。"


def test_an_existing_code_gets_a_new_draft_version_and_the_published_one_stays(client_x, department_x, basic_item):
    published = ServiceItemFactory(department=department_x, basic_item=basic_item, name="原事项名称")
    row = item_row(1, department_x, basic_item, 实施编码=published.code, 事项名称="新版事项名称")

    upload(client_x, "清单.csv", csv_bytes([row]))
    confirm(client_x, latest_job())

    draft = ServiceItem.objects.get(code=published.code, status=ServiceItem.Status.DRAFT)
    assert draft.version == 2 and draft.name == "新版事项名称" and draft.materials.count() == 3
    published.refresh_from_db()
    assert published.status == ServiceItem.Status.PUBLISHED and published.name == "原事项名称"


def test_a_missing_optional_column_keeps_the_published_value(client_x, department_x, basic_item):
    published = ServiceItemFactory(department=department_x, basic_item=basic_item, place="一楼 3 号窗口")
    headers = [h for h in imports.CSV_HEADERS if h not in ("办理地点", "申请材料", "办理情形")]
    row = item_row(1, department_x, basic_item, 实施编码=published.code, 审查环节="")

    upload(client_x, "清单.csv", csv_bytes([row], headers=headers))
    confirm(client_x, latest_job())

    draft = ServiceItem.objects.get(code=published.code, status=ServiceItem.Status.DRAFT)
    assert draft.place == "一楼 3 号窗口" and not draft.steps.exists()


def test_a_gbk_encoded_csv_is_accepted(client_x, department_x, basic_item):
    content = csv_bytes([item_row(1, department_x, basic_item)], encoding="gbk")

    upload(client_x, "清单.csv", content)

    job = latest_job()
    assert job.status == ImportJob.Status.VALID and job.encoding == "gb18030"
    confirm(client_x, job)
    assert ServiceItem.objects.get().materials.first().name == "申请书"


def test_the_xlsx_template_example_imports_as_a_draft(client_x, basic_item):
    template = client_x.get(reverse("catalog:import_template", args=["xlsx"]))

    upload(client_x, "模板.xlsx", template.content)

    job = latest_job()
    assert job.status == ImportJob.Status.VALID, job.problems
    confirm(client_x, job)
    item = ServiceItem.objects.get()
    assert item.status == ServiceItem.Status.DRAFT and item.materials.count() == 4 and item.situations.count() == 1


def test_the_csv_template_example_imports_as_a_draft(client_x, basic_item):
    template = client_x.get(reverse("catalog:import_template", args=["csv"]))

    upload(client_x, "模板.csv", template.content)

    job = latest_job()
    assert job.status == ImportJob.Status.VALID, job.problems
    confirm(client_x, job)
    item = ServiceItem.objects.get()
    assert item.status == ServiceItem.Status.DRAFT and item.materials.count() == 4 and item.situations.count() == 1


def test_the_template_example_names_a_basic_item_of_the_editors_region(client_x, department_y, basic_item):
    from catalog.models import CatalogLevel, ItemType

    # First by code, but not for the editor's department: another county's, and one not applied for.
    BasicItemFactory(code="000100000001", level=CatalogLevel.COUNTY, region=department_y.region)
    BasicItemFactory(code="000100000002", item_type=ItemType.PENALTY)
    template = client_x.get(reverse("catalog:import_template", args=["csv"]))

    upload(client_x, "模板.csv", template.content)

    job = latest_job()
    assert job.status == ImportJob.Status.VALID, job.problems
    assert job.preview["rows"][0]["name"] == basic_item.name


def test_a_template_without_a_basic_item_to_name_says_so_on_import(client_x, db):
    template = client_x.get(reverse("catalog:import_template", args=["csv"]))

    response = upload(client_x, "模板.csv", template.content)

    job = latest_job()
    assert response.status_code == 422 and job.status == ImportJob.Status.INVALID
    assert [p["field"] for p in job.problems] == ["基本编码"]
    assert "未找到基本编码" in job.problems[0]["message"]


def test_escaped_separators_survive_in_a_compact_cell(client_x, department_x, basic_item):
    materials = r"申请书（含附件\|附表）|必要|1|0|申请人自备|||||||填写须知：一式两份\；加盖公章"
    row = item_row(1, department_x, basic_item, 申请材料=materials, 办理情形="")

    upload(client_x, "清单.csv", csv_bytes([row]))
    confirm(client_x, latest_job())

    material = MaterialRequirement.objects.get()
    assert material.name == "申请书（含附件|附表）" and material.notes == "填写须知：一式两份；加盖公章"


# --- Malformed files: 400, nothing kept -------------------------------------------------------


def test_wrong_columns_are_refused_with_one_message_listing_them(client_x, department_x, basic_item):
    headers = [h for h in imports.CSV_HEADERS if h not in ("承诺办结时限", "服务对象")] + ["办理人数"]
    before = catalog_counts()

    response = upload(client_x, "清单.csv", csv_bytes([item_row(1, department_x, basic_item)], headers=headers))

    assert response.status_code == 400
    text = response.content.decode()
    assert "缺少列：服务对象、承诺办结时限" in text and "无法识别的列：办理人数" in text
    assert catalog_counts() == before and not ImportJob.objects.exists()


def test_an_xlsx_without_the_item_sheet_is_refused(client_x):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Sheet1"
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = upload(client_x, "清单.xlsx", buffer.getvalue())

    assert response.status_code == 400 and "没有名为“事项”的工作表" in response.content.decode()


def test_latin1_garbage_is_refused_as_an_unknown_encoding(client_x):
    content = "Nom;Catégorie;Prix\nCafé crème;Boisson;2,50 EUR\nThé glacé;Boisson;3\n".encode("latin-1")

    response = upload(client_x, "清单.csv", content)

    assert response.status_code == 400 and "编码" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_utf16_csv_is_refused_with_advice(client_x, department_x, basic_item):
    content = csv_bytes([item_row(1, department_x, basic_item)], encoding="utf-16")

    response = upload(client_x, "清单.csv", content)

    assert response.status_code == 400 and "UTF-16" in response.content.decode()


def test_a_binary_file_named_csv_is_refused(client_x):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256))

    response = upload(client_x, "清单.csv", png)

    assert response.status_code == 400 and "PNG" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_text_file_named_xlsx_is_refused(client_x, department_x, basic_item):
    response = upload(client_x, "清单.xlsx", csv_bytes([item_row(1, department_x, basic_item)]))

    assert response.status_code == 400 and not ImportJob.objects.exists()


def test_another_file_type_is_refused(client_x):
    response = upload(client_x, "清单.txt", b"hello")

    assert response.status_code == 400 and "只能导入" in response.content.decode()


def test_an_empty_file_and_a_missing_file_are_refused(client_x):
    assert upload(client_x, "清单.csv", b"").status_code == 400
    assert client_x.post(START, {}).status_code == 400
    assert not ImportJob.objects.exists()


def test_an_oversized_file_is_refused(client_x, department_x, basic_item, settings):
    settings.IMPORT_MAX_BYTES = 1024
    rows = [item_row(i, department_x, basic_item) for i in range(1, 10)]

    response = upload(client_x, "清单.csv", csv_bytes(rows))

    assert response.status_code == 400 and "文件过大" in response.content.decode()


def test_too_many_rows_are_refused(client_x, department_x, basic_item, monkeypatch):
    monkeypatch.setattr(imports.reading, "MAX_ROWS", 3)
    rows = [item_row(i, department_x, basic_item) for i in range(1, 5)]

    response = upload(client_x, "清单.csv", csv_bytes(rows))

    assert response.status_code == 400 and "行数超过上限" in response.content.decode()


def with_member(content, name, data, *, compression=zipfile.ZIP_DEFLATED):
    """An XLSX with one more zip member, e.g. a sheet XML of highly repetitive text."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(buffer, "w", compression) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr(name, data)
    return buffer.getvalue()


def test_an_xlsx_that_unpacks_to_more_than_the_cap_is_refused_from_its_zip_headers(
    client_x, department_x, basic_item, monkeypatch
):
    read = []
    monkeypatch.setattr(imports.reading, "read_import_file", lambda *args, **kwargs: read.append(args))
    bomb = with_member(
        xlsx_bytes([item_row(1, department_x, basic_item)]), "xl/worksheets/sheet9.xml", b"<row/>" * 10_000_000
    )
    assert len(bomb) < 200_000  # 60 MB unpacked

    response = upload(client_x, "清单.xlsx", bomb)

    assert response.status_code == 400 and "解压后过大" in response.content.decode()
    assert not read and not ImportJob.objects.exists()


def test_an_xlsx_with_a_member_packed_too_tightly_is_refused(client_x, department_x, basic_item):
    bomb = with_member(xlsx_bytes([item_row(1, department_x, basic_item)]), "xl/sharedStrings.xml", b"a" * 5_000_000)

    response = upload(client_x, "清单.xlsx", bomb)

    assert response.status_code == 400 and "压缩比过高" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_xlsx_with_too_many_members_is_refused(client_x, department_x, basic_item):
    content = xlsx_bytes([item_row(1, department_x, basic_item)])
    for number in range(imports.MAX_XLSX_MEMBERS):
        content = with_member(content, f"xl/media/image{number}.png", b"x", compression=zipfile.ZIP_STORED)

    response = upload(client_x, "清单.xlsx", content)

    assert response.status_code == 400 and "部件过多" in response.content.decode()


def test_a_large_xlsx_is_not_read_within_the_request_but_by_the_worker(
    client_x, department_x, basic_item, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(imports.reading, "INLINE_MAX_UNPACKED_BYTES", 1024)
    content = xlsx_bytes([item_row(i, department_x, basic_item) for i in range(1, 4)])
    read = []
    original = imports.reading.read_import_file
    monkeypatch.setattr(imports.reading, "read_import_file", lambda *a, **kw: read.append(1) or original(*a, **kw))

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = upload(client_x, "清单.xlsx", content)
    job = latest_job()
    assert response.status_code == 302 and job.status == ImportJob.Status.QUEUED and len(queued) == 1
    assert not read and job.total_rows == 0

    validate_import_job(job.pk)

    job.refresh_from_db()
    assert read and job.status == ImportJob.Status.VALID and job.total_rows == 3, job.problems


def test_the_worker_stops_a_large_xlsx_at_the_row_cap(client_x, department_x, basic_item, monkeypatch):
    monkeypatch.setattr(imports.reading, "INLINE_MAX_UNPACKED_BYTES", 1024)
    monkeypatch.setattr(imports.reading, "MAX_ROWS", 2)
    upload(client_x, "清单.xlsx", xlsx_bytes([item_row(i, department_x, basic_item) for i in range(1, 4)]))

    validate_import_job(latest_job().pk)

    job = latest_job()
    assert job.status == ImportJob.Status.FAILED and "行数超过上限" in job.error_message


def test_the_import_file_is_stored_under_a_random_name_and_shown_with_its_own(client_x, department_x, basic_item):
    upload(client_x, "张三的清单.csv", csv_bytes([item_row(1, department_x, basic_item)]))

    job = latest_job()
    assert re.fullmatch(r"catalog/imports/\d{4}/\d{2}/[0-9a-f]{32}\.csv", job.file.name), job.file.name
    assert job.file_name == "张三的清单.csv"
    assert "张三的清单.csv" in client_x.get(reverse("catalog:import_job", args=[job.pk])).content.decode()


def test_a_header_only_file_is_refused(client_x):
    response = upload(client_x, "清单.csv", csv_bytes([]))

    assert response.status_code == 400 and "没有事项行" in response.content.decode()


# --- Rows that break the rules: a per-row report (422), nothing written -----------------------


def assert_reported(response, job, *fragments):
    assert response.status_code == 422
    assert job.status == ImportJob.Status.INVALID
    text = response.content.decode()
    for fragment in fragments:
        assert fragment in text, fragment


def test_an_unknown_department_row_is_reported_and_nothing_is_written(client_x, department_x, basic_item):
    rows = [
        item_row(1, department_x, basic_item),
        item_row(2, department_x, basic_item, 实施机关统一社会信用代码="91320000MA1XXXXX0X"),
    ]
    before = catalog_counts()

    response = upload(client_x, "清单.csv", csv_bytes(rows))

    job = latest_job()
    assert_reported(response, job, "未找到统一社会信用代码为“91320000MA1XXXXX0X”的实施机关")
    assert job.problems == [
        {
            "sheet": "CSV",
            "row": 3,
            "name": "导入事项2",
            "field": "实施机关统一社会信用代码",
            "message": "未找到统一社会信用代码为“91320000MA1XXXXX0X”的实施机关。",
        }
    ]
    assert catalog_counts() == before
    assert confirm(client_x, job).status_code == 409
    assert catalog_counts() == before


def test_a_promise_beyond_the_statutory_limit_is_reported_for_its_row(client_x, department_x, basic_item):
    rows = [
        item_row(1, department_x, basic_item),
        item_row(2, department_x, basic_item, 承诺办结时限="30", 申请材料="申请书|必要|一份"),
    ]
    before = catalog_counts()

    response = upload(client_x, "清单.csv", csv_bytes(rows))

    assert_reported(response, latest_job(), "承诺办结时限（30）不得超过法定办结时限（20）", "“一份”不是有效的数字")
    problems = {p["field"]: p for p in latest_job().problems}
    assert problems["承诺办结时限"]["row"] == 3 and problems["申请材料第 1 项·原件份数"]["row"] == 3
    assert catalog_counts() == before


def test_a_row_for_another_editors_department_is_reported(client, editor_y, department_x, basic_item):
    login_verified(client, editor_y)
    before = catalog_counts()

    response = upload(client, "清单.csv", csv_bytes([item_row(1, department_x, basic_item)]))

    assert_reported(response, latest_job(), "您无权编辑")
    assert catalog_counts() == before


def test_step_limits_beyond_the_promise_are_found_by_the_rehearsal(client_x, department_x, basic_item):
    """A rule on the children (catalog.rules checks it on saved steps) still lands in the report."""
    rows = [item_row(1, department_x, basic_item, 审查环节="承办|6；批准|6")]
    before = catalog_counts()

    response = upload(client_x, "清单.csv", csv_bytes(rows))

    assert_reported(response, latest_job(), "各审查环节时限之和（12）不得超过承诺办结时限（10）")
    assert latest_job().problems[0]["field"] == "环节"
    assert catalog_counts() == before


def test_bad_labels_numbers_and_references_are_reported_per_cell(client_x, department_x, basic_item):
    row = item_row(
        1,
        department_x,
        basic_item,
        法定办结时限="二十",
        网上办理="也许",
        服务对象="外星人",
        基本编码="999",
        申请材料="申请书|很必要|一份",
        办理情形="是否委托？|是|不存在的材料",
    )
    response = upload(client_x, "清单.csv", csv_bytes([row]))

    assert_reported(
        response,
        latest_job(),
        "“二十”不是有效的数字",
        "“也许”无法识别",
        "“外星人”不是有效的取值",
        "未找到基本编码为“999”的基本目录事项",
        "“很必要”不是有效的取值",
        "引用了不存在的材料“不存在的材料”",
    )
    assert ServiceItem.objects.count() == 0


def test_special_procedures_are_read_by_their_labels_and_stored_as_kinds(client_x, department_x, basic_item):
    row = item_row(1, department_x, basic_item, 可适用特别程序="现场勘验、专家评审")
    job = (upload(client_x, "清单.csv", csv_bytes([row])), latest_job())[1]
    assert job.status == ImportJob.Status.VALID, job.problems
    confirm(client_x, job)
    assert ServiceItem.objects.get(name="导入事项1").special_procedures == ["site_inspection", "expert_review"]


def test_an_unknown_special_procedure_is_reported_by_name(client_x, department_x, basic_item):
    row = item_row(1, department_x, basic_item, 可适用特别程序="现场勘验、现场核查")
    response = upload(client_x, "清单.csv", csv_bytes([row]))
    assert_reported(response, latest_job(), "“现场核查”不是有效的取值")
    assert ServiceItem.objects.count() == 0


def test_duplicate_keys_and_codes_are_reported(client_x, department_x, basic_item):
    published = ServiceItemFactory(department=department_x, basic_item=basic_item)
    rows = [
        item_row(1, department_x, basic_item, 实施编码=published.code),
        item_row(1, department_x, basic_item, 实施编码=published.code),
    ]

    response = upload(client_x, "清单.csv", csv_bytes(rows))

    assert_reported(response, latest_job(), "序号“1”与第 2 行重复", "与第 2 行重复，同一事项在一个文件中只能出现一次")


def test_an_item_with_an_open_draft_is_reported(client_x, department_x, basic_item):
    published = ServiceItemFactory(department=department_x, basic_item=basic_item)
    ServiceItemFactory(department=department_x, basic_item=basic_item, code=published.code, version=2, draft=True)

    response = upload(client_x, "清单.csv", csv_bytes([item_row(1, department_x, basic_item, 实施编码=published.code)]))

    assert_reported(response, latest_job(), "已有未发布的草稿")


def test_a_child_sheet_row_for_an_unknown_key_is_reported(client_x, department_x, basic_item):
    content = xlsx_bytes([item_row(1, department_x, basic_item)], {"材料": [[7, "申请书", "必要"]]})

    response = upload(client_x, "清单.xlsx", content)

    assert_reported(response, latest_job(), "找不到序号为“7”的事项")
    assert latest_job().problems[0]["sheet"] == "材料"


def test_one_bad_row_keeps_the_whole_file_out(client_x, department_x, basic_item):
    rows = [item_row(i, department_x, basic_item) for i in range(1, 6)]
    rows[3]["网办地址"] = "not a url"
    before = catalog_counts()

    response = upload(client_x, "清单.csv", csv_bytes(rows))

    assert_reported(response, latest_job(), "网址格式不正确")
    assert [p["row"] for p in latest_job().problems] == [5]
    assert catalog_counts() == before


def test_the_report_downloads_as_csv(client_x, department_x, basic_item):
    upload(client_x, "清单.csv", csv_bytes([item_row(1, department_x, basic_item, 承诺办结时限="30")]))

    response = client_x.get(reverse("catalog:import_report", args=[latest_job().pk]))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0] == ["工作表", "行号", "事项名称", "字段", "问题"]
    assert lines[1][:4] == ["CSV", "2", "导入事项1", "承诺办结时限"]


def test_the_report_writes_a_name_that_looks_like_a_formula_as_text(client_x, department_x, basic_item):
    row = item_row(1, department_x, basic_item, 承诺办结时限="30")
    row["事项名称"] = '=HYPERLINK("http://evil.example","点此")'
    upload(client_x, "清单.csv", csv_bytes([row]))

    response = client_x.get(reverse("catalog:import_report", args=[latest_job().pk]))

    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[1][2] == "'" + row["事项名称"]


# --- The preview: what will change, before 确认导入 ----------------------------------------------

PREVIEW_HEADERS = [*imports.REQUIRED_ITEM_HEADERS]


def test_the_preview_lists_the_changed_fields_of_an_updated_item(client_x, department_x, basic_item):
    published = ServiceItemFactory(department=department_x, basic_item=basic_item, name="原事项名称")
    row = item_row(1, department_x, basic_item, 实施编码=published.code, 事项名称="新版事项名称", 承诺办结时限="8")
    row["服务对象"] = "自然人"  # as published: not a change

    response = upload(client_x, "清单.csv", csv_bytes([row], headers=PREVIEW_HEADERS))

    job = latest_job()
    assert job.status == ImportJob.Status.VALID, job.problems
    [entry] = job.preview["rows"]
    assert entry["kind"] == "update" and entry["code"] == published.code and entry["from_version"] == 1
    assert [(c["label"], c["old"], c["new"]) for c in entry["changes"]] == [
        ("事项名称", "原事项名称", "新版事项名称"),
        ("承诺办结时限", "10", "8"),
    ]
    page = client_x.get(response["Location"]).content.decode()
    assert "更新已有事项 1 个" in page and "2 处变更" in page
    assert "<del>原事项名称</del>" in page and "<ins>新版事项名称</ins>" in page
    assert "<del>10</del>" in page and "<ins>8</ins>" in page
    assert page.index("导入后的变更") < page.index("确认导入</button>")  # read first, then confirm


def test_the_preview_tells_new_items_from_updates_and_unchanged_ones(client_x, department_x, basic_item):
    from catalog import exports

    same = ServiceItemFactory(department=department_x, basic_item=basic_item, place="一楼 3 号窗口")
    exported = list(csv.DictReader(io.StringIO(exports.export_items_csv([same]).decode("utf-8-sig"))))[0]
    rows = [exported, item_row(2, department_x, basic_item, 事项名称="全新事项")]

    response = upload(client_x, "清单.csv", csv_bytes(rows))

    job = latest_job()
    assert job.status == ImportJob.Status.VALID, job.problems
    assert job.preview["counts"] == {"new": 1, "update": 0, "unchanged": 1}
    assert [(e["name"], e["kind"], e["changes"]) for e in job.preview["rows"]] == [
        (same.name, "unchanged", []),
        ("全新事项", "new", []),
    ]
    page = client_x.get(response["Location"]).content.decode()
    assert "新建事项 1 个，更新已有事项 0 个，无变化 1 个" in page
    assert "内容与已发布的第 1 版相同" in page and "将新建一个事项草稿" in page


def test_nothing_is_written_before_the_confirmation(client_x, department_x, basic_item):
    published = ServiceItemFactory(department=department_x, basic_item=basic_item, name="原事项名称")
    rows = [
        item_row(1, department_x, basic_item, 实施编码=published.code, 事项名称="新版事项名称"),
        item_row(2, department_x, basic_item),
    ]
    before = catalog_counts()

    response = upload(client_x, "清单.csv", csv_bytes(rows))
    client_x.get(response["Location"])  # the preview page

    job = latest_job()
    assert job.status == ImportJob.Status.VALID and job.preview["counts"]["update"] == 1
    assert catalog_counts() == before
    published.refresh_from_db()
    assert published.name == "原事项名称" and ServiceItem.objects.count() == 1
    confirm(client_x, job)
    assert ServiceItem.objects.filter(status=ServiceItem.Status.DRAFT).count() == 2


def test_a_version_published_after_the_preview_makes_the_write_write_nothing(
    client_x, department_x, basic_item, editor_x, publisher
):
    from catalog import services

    published = ServiceItemFactory(department=department_x, basic_item=basic_item)
    upload(client_x, "清单.csv", csv_bytes([item_row(1, department_x, basic_item, 实施编码=published.code)]))
    job = latest_job()
    assert job.status == ImportJob.Status.VALID
    # Someone edits, submits and publishes a new version before the editor confirms.
    draft = services.start_new_version(actor=editor_x, item=published)
    services.submit_for_approval(actor=editor_x, item=draft)
    services.publish_service_item(actor=publisher, item=draft)
    before = catalog_counts()

    response = confirm(client_x, job)

    job.refresh_from_db()
    assert response.status_code == 422 and job.status == ImportJob.Status.FAILED
    assert "已发布了新版本" in response.content.decode()
    assert catalog_counts() == before


# --- Confirmation: once, all or nothing -------------------------------------------------------


def test_confirming_twice_writes_once(client_x, department_x, basic_item):
    upload(
        client_x, "清单.csv", csv_bytes([item_row(1, department_x, basic_item), item_row(2, department_x, basic_item)])
    )
    job = latest_job()

    assert confirm(client_x, job).status_code == 302
    after_first = catalog_counts()
    second = confirm(client_x, job)

    assert second.status_code == 409 and "已确认导入" in second.content.decode()
    assert catalog_counts() == after_first and ServiceItem.objects.count() == 2


def test_a_catalog_change_after_validation_makes_the_write_write_nothing(client_x, department_x, basic_item, editor_x):
    from catalog.services import start_new_version

    published = ServiceItemFactory(department=department_x, basic_item=basic_item)
    rows = [item_row(1, department_x, basic_item), item_row(2, department_x, basic_item, 实施编码=published.code)]
    upload(client_x, "清单.csv", csv_bytes(rows))
    job = latest_job()
    assert job.status == ImportJob.Status.VALID
    start_new_version(actor=editor_x, item=published)  # someone opens a draft before the confirmation
    before = catalog_counts()

    response = confirm(client_x, job)

    job.refresh_from_db()
    assert response.status_code == 422 and job.status == ImportJob.Status.FAILED
    assert "没有导入任何事项" in response.content.decode() and job.problems[0]["row"] == 3
    assert catalog_counts() == before
    assert confirm(client_x, job).status_code == 409


def test_a_large_file_is_validated_by_the_worker_with_progress(
    client_x, department_x, basic_item, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(imports.jobs, "INLINE_MAX_ROWS", 2)
    monkeypatch.setattr(imports.jobs, "CHUNK_ROWS", 2)
    rows = [item_row(i, department_x, basic_item) for i in range(1, 6)]

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = upload(client_x, "清单.csv", csv_bytes(rows))
    job = latest_job()
    assert response.status_code == 302 and job.status == ImportJob.Status.QUEUED and len(queued) == 1
    page = client_x.get(reverse("catalog:import_job", args=[job.pk]))
    assert 'data-progress-url="' in page.content.decode() and "js/import.js" in page.content.decode()

    validate_import_job(job.pk)  # what the worker runs

    progress = client_x.get(reverse("catalog:import_progress", args=[job.pk])).json()
    assert progress == {
        "status": "valid",
        "status_label": "校验通过，待确认",
        "processed": 5,
        "total": 5,
        "percent": 100,
        "running": False,
    }
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert confirm(client_x, job).status_code == 302
    assert len(queued) == 1 and latest_job().status == ImportJob.Status.IMPORTING
    assert ServiceItem.objects.count() == 0
    write_import_job(job.pk)
    write_import_job(job.pk)  # a redelivered task writes nothing more
    assert ServiceItem.objects.filter(status=ServiceItem.Status.DRAFT).count() == 5


def test_a_broker_that_cannot_be_reached_fails_the_job_instead_of_the_request(
    client_x, department_x, basic_item, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(imports.jobs, "INLINE_MAX_ROWS", 0)

    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(validate_import_job, "apply_async", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client_x, "清单.csv", csv_bytes([item_row(1, department_x, basic_item)]))

    assert response.status_code == 302
    job = latest_job()
    assert job.status == ImportJob.Status.FAILED and "稍后重新上传" in job.error_message


# --- Who may import ---------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(START)

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_citizen_and_a_publisher_may_not_import(client, citizen, publisher, department_x, basic_item):
    content = csv_bytes([item_row(1, department_x, basic_item)])
    client.force_login(citizen)
    assert client.get(START).status_code == 403
    assert upload(client, "清单.csv", content).status_code == 403
    login_verified(client, publisher)
    assert upload(client, "清单.csv", content).status_code == 403
    assert client.get(reverse("catalog:import_template", args=["xlsx"])).status_code == 403
    assert not ImportJob.objects.exists() and ServiceItem.objects.count() == 0


def test_another_editor_cannot_see_or_confirm_the_job(client, editor_x, editor_y, department_x, basic_item):
    login_verified(client, editor_x)
    upload(client, "清单.csv", csv_bytes([item_row(1, department_x, basic_item)]))
    job = latest_job()

    login_verified(client, editor_y)

    assert client.get(reverse("catalog:import_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("catalog:import_progress", args=[job.pk])).status_code == 404
    assert client.get(reverse("catalog:import_report", args=[job.pk])).status_code == 404
    assert confirm(client, job).status_code == 404
    assert client.get(reverse("catalog:import_job", args=[999999])).status_code == 404
    assert ServiceItem.objects.count() == 0


def test_confirm_accepts_only_post(client_x, department_x, basic_item):
    upload(client_x, "清单.csv", csv_bytes([item_row(1, department_x, basic_item)]))

    assert client_x.get(reverse("catalog:import_confirm", args=[latest_job().pk])).status_code == 405
    assert ServiceItem.objects.count() == 0


# --- A normal large import --------------------------------------------------------------------


def run_large_import(client, department, rows_count: int) -> dict[str, float]:
    """`rows_count` items (3 materials, a situation, 2 steps each), built in memory, through the worker path.

    `make bench` runs it with 10,000 rows (tests/perf/test_bench_import.py) and prints the times.
    """
    basic_count = max(rows_count // 50, 1)  # 50 items per basic item
    basic_items = [BasicItemFactory(code=f"0001{n:08d}") for n in range(basic_count)]
    rows = [item_row(i, department, basic_items[i % basic_count]) for i in range(1, rows_count + 1)]
    content = csv_bytes(rows)
    timings = {"megabytes": len(content) / 1048576}

    started = time.perf_counter()
    response = upload(client, "批量事项.csv", content)
    timings["upload"] = time.perf_counter() - started
    job = latest_job()
    assert response.status_code == 302 and job.status == ImportJob.Status.QUEUED and job.total_rows == rows_count

    started = time.perf_counter()
    validate_import_job(job.pk)
    timings["validate"] = time.perf_counter() - started
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALID, job.problems[:5]
    assert job.processed_rows == rows_count and ServiceItem.objects.count() == 0

    assert confirm(client, job).status_code == 302
    started = time.perf_counter()
    write_import_job(job.pk)
    timings["write"] = time.perf_counter() - started

    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTED and len(job.imported_codes) == rows_count
    assert ServiceItem.objects.filter(status=ServiceItem.Status.DRAFT, department=department).count() == rows_count
    assert MaterialRequirement.objects.count() == 3 * rows_count and ProcessStep.objects.count() == 2 * rows_count
    return timings


def test_a_large_file_validates_in_the_background_and_writes_at_once(client_x, department_x):
    """Above the inline limit the validation runs as a job; the 10,000-row figure is in `make bench`."""
    run_large_import(client_x, department_x, 300)


def test_compact_cells_split_on_unescaped_separators_only():
    assert imports.split_escaped(r"a\|b|c", ("|",), unescape=True) == ["a|b", "c"]
    assert imports.split_escaped(r"a\；b；c", ("；",), unescape=False) == [r"a\；b", "c"]
    assert imports.split_list(imports.escape("甲、乙", imports.LIST_SEPARATORS) + "、丙") == ["甲、乙", "丙"]


def test_the_validation_and_the_write_cost_less_than_a_query_a_row(
    client_x, editor_x, department_x, basic_item, django_assert_max_num_queries
):
    """The rows are checked in memory and bulk-created: 60 rows in a few dozen queries, not 66 a row."""
    rows = [item_row(i, department_x, basic_item) for i in range(1, 61)]
    job = imports.start_import(actor=editor_x, upload=SimpleUploadedFile("批量.csv", csv_bytes(rows)))
    with django_assert_max_num_queries(40):
        job = imports.validate_import(job_id=job.pk)
    assert job.status == ImportJob.Status.VALID, job.problems[:3]
    imports.confirm_import(actor=editor_x, job_id=job.pk)
    with django_assert_max_num_queries(50):
        job = imports.write_import(job_id=job.pk)
    assert job.status == ImportJob.Status.IMPORTED and len(job.imported_codes) == 60
    assert MaterialRequirement.objects.count() == 180 and SituationOption.objects.count() == 2 * 60
