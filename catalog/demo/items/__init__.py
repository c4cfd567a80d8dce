"""Every item template of the demo, grouped by domain."""

from catalog.demo.build import ItemTemplate
from catalog.demo.items import construction, household, market, welfare

ITEMS: list[ItemTemplate] = [*market.ITEMS, *household.ITEMS, *welfare.ITEMS, *construction.ITEMS]
