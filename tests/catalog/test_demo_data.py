"""The demo's data files (catalog/demo/data/*.yaml): each loads and passes the catalog rules, and a
malformed one is refused with a message naming the file and the key."""

from pathlib import Path

import pytest

from applications.licences.demo import read_demo_licences
from catalog import rules
from catalog.demo import accounts, build, bundles, items, places, topics
from catalog.demo.datafiles import DATA_DIR, DataFileError
from catalog.demo.loader import seed_demo_catalog
from catalog.models import BasicItem, ServiceItem
from portal.validators import validate_uscc

OTHER_FILES = {
    "places.yaml": places.read_places,
    "topics.yaml": topics.read_topics,
    "accounts.yaml": accounts.read_accounts,
    "bundles.yaml": lambda name: tuple(vars(bundles.read_bundles(name)).values()),
    "vocabulary.yaml": lambda name: tuple(vars(build.read_vocabulary(name)).values()),
    # The demo e-licence registry: read by applications (the catalog knows no licences).
    "licences.yaml": lambda name: tuple(read_demo_licences(name).values()),
}
DATA_FILES = sorted(path.relative_to(DATA_DIR).as_posix() for path in DATA_DIR.rglob("*.yaml"))


@pytest.mark.django_db
@pytest.mark.parametrize("name", DATA_FILES)
def test_every_demo_data_file_loads_and_passes_the_catalog_rules(name):
    if name in OTHER_FILES:
        assert all(OTHER_FILES[name](name))
        return
    assert name in items.ITEM_FILES, f"{name} is read by nothing: add it to catalog.demo.items.ITEM_FILES"
    templates = build.read_templates(name)
    seed_demo_catalog(templates=templates)
    written = ServiceItem.objects.select_related("basic_item", "department")
    assert written.count() == sum(len(t.owners) for t in templates) > 0
    for item in written:
        rules.validate_service_item(item)
    for basic in BasicItem.objects.select_related("claims"):
        rules.validate_basic_item(basic)


def test_department_usccs_come_out_valid():
    for department in places.read_places()[1]:
        assert validate_uscc(department.uscc) == department.uscc


def broken_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / Path(name).name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        # A misspelt key of a material.
        ("necessity: 容缺后补", "necesity: 容缺后补", ["company_setup", "materials", "necesity", "无法识别的键"]),
        # A label that is not one of the choices.
        ("item_type: 行政许可", "item_type: 行政许诺", ["getihu_setup", "item_type", "行政许诺"]),
        # A required key left out.
        ('    basic_code: "000120001000"\n', "", ["getihu_setup", "basic_code", "缺少这个键"]),
        # A situation that adds a material the item does not list.
        ("adds: [不动产权证书]", "adds: [不动产证]", ["getihu_setup", "situations", "adds", "不动产证"]),
        # A department that places.yaml does not have.
        ("owners: [jn.xzsp, xw.scjg]", "owners: [jn.xzsp, xw.nowhere]", ["getihu_setup", "owners", "xw.nowhere"]),
    ],
)
def test_a_malformed_item_file_is_refused_naming_the_file_and_the_key(tmp_path, old, new, said):
    path = broken_copy(tmp_path, "items/market.yaml", old, new)
    with pytest.raises(DataFileError) as caught:
        build.read_templates(path)
    message = str(caught.value)
    assert str(path) in message
    for words in said:
        assert words in message


def test_a_file_that_is_not_yaml_is_refused_with_its_line(tmp_path):
    path = broken_copy(tmp_path, "topics.yaml", "  - {code: birth,", "  - {code: [birth,")
    with pytest.raises(DataFileError, match=r"topics\.yaml：第 \d+ 行：YAML 格式错误"):
        topics.read_topics(path)


def test_a_data_file_inside_the_checkout_is_named_from_its_root():
    with pytest.raises(DataFileError, match="演示数据文件 catalog/demo/data/missing.yaml：无法读取"):
        topics.read_topics("missing.yaml")


def test_no_demo_item_asks_again_whether_someone_applies_for_the_applicant():
    """The start page asks it once for every item (本人 / 经办人 / 受他人委托, with the letter of
    authority): a situation of the item asking it again would make the applicant say it twice."""
    for template in items.ITEMS:
        for situation in template.situations:
            assert not situation["question"].startswith("是否委托他人代为"), template.key
