"""Small real PDFs for the demo: result samples (审批结果样本), blank forms and filled-in sample forms.

Written by ``catalog.demo.simple_pdf`` (about 2 KB each, no font embedded). Each distinct file is
written once and stored under a name derived from its content key, so items with the same result of
one department (营业执照) share one file and a second run of the seed writes nothing.
"""

import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage

from catalog.demo.places import JIANGNING, company_uscc
from catalog.demo.simple_pdf import simple_pdf

FOLDER = "catalog/demo"

# Values of the filled-in samples. 11010519491231002X is the example of GB 11643-1999 itself.
SAMPLE_VALUES = {
    "id_number": "11010519491231002X",
    "uscc": company_uscc(JIANGNING, 1),
    "phone": "139 0000 0000（示例）",
    "number": "10",
    "date": "2026年3月2日",
}
GENERIC_FORM_ROWS = ["填写人姓名", "公民身份号码", "联系电话", "填写内容", "签字", "日期"]


class SampleFiles:
    """Writes and stores the demo PDFs; returns storage names to put into FileFields."""

    def __init__(self, *, storage: Storage = default_storage) -> None:
        self.storage = storage
        self._names: dict[str, str] = {}
        self.written = 0

    def result_sample(self, *, result_name: str, issuing_body: str, item_name: str, holder: str) -> str:
        rows = [
            ("证照（文书）编号", "样本-0000001"),
            ("持有人", holder),
            ("办理事项", item_name),
            ("发证（出具）机关", issuing_body),
            ("发证日期", SAMPLE_VALUES["date"]),
        ]
        return self._store(
            "result",
            f"{result_name}|{issuing_body}",
            title=f"{result_name}（样本）",
            subtitle=issuing_body,
            rows=rows,
            notes=["本样本仅供参考，不作为有效证照或文书使用。"],
        )

    def blank_form(self, *, title: str, fields: list[dict[str, Any]] | None = None) -> str:
        labels = [f["label"] for f in fields] if fields else GENERIC_FORM_ROWS
        rows = [(label, "") for label in labels]
        if fields:
            rows += [("申请人（签字、盖章）", ""), ("申请日期", "")]
        notes = ["请使用黑色签字笔或者钢笔填写，字迹清楚；所填内容须真实、准确。"]
        return self._store("blank", title, title=title, subtitle="空白表格", rows=rows, notes=notes)

    def filled_sample(self, *, title: str, fields: list[dict[str, Any]]) -> str:
        rows = [(f["label"], _sample_value(f)) for f in fields]
        rows += [("申请人（签字、盖章）", "张三（示例）"), ("申请日期", SAMPLE_VALUES["date"])]
        notes = ["示例样表：仅供填写参考，请勿直接提交。"]
        return self._store("sample", title, title=title, subtitle="示例样表", rows=rows, notes=notes)

    def _store(self, kind: str, key: str, **content: Any) -> str:
        digest = hashlib.sha256(f"{kind}|{key}".encode()).hexdigest()[:20]
        name = f"{FOLDER}/{kind}-{digest}.pdf"
        if name not in self._names:
            stored = name
            if not self.storage.exists(name):
                stored = self.storage.save(name, ContentFile(simple_pdf(**content)))
                self.written += 1
            self._names[name] = stored
        return self._names[name]


def _sample_value(field: dict[str, Any]) -> str:
    kind = field.get("type", "text")
    if field.get("options"):
        return str(field["options"][0])
    if kind in SAMPLE_VALUES:
        return SAMPLE_VALUES[kind]
    if field.get("name", "").endswith("name"):
        return "张三（示例）"
    return f"（示例）{field['label']}"
