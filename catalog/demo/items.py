"""Every item template of the demo, read from ``data/items/<domain>.yaml`` in this order."""

from catalog.demo import datafiles
from catalog.demo.build import ItemTemplate, read_templates

ITEM_FILES = ("items/market.yaml", "items/household.yaml", "items/welfare.yaml", "items/construction.yaml")


def read_items() -> list[ItemTemplate]:
    items = [template for name in ITEM_FILES for template in read_templates(name)]
    at = datafiles.At(datafiles.DATA_DIR / "items")
    datafiles.unique([t.key for t in items], "事项键", at)
    datafiles.unique([t.basic_code for t in items], "基本编码", at)
    return items


ITEMS: list[ItemTemplate] = read_items()
