"""What a valid import will change, row by row, shown to the editor before 确认导入.

Built during the validation pass from the draft each row would become (catalog.imports.bulk: an
unsaved version with the spec the write will store), compared (catalog.diff.diff_specs) with the
published version it continues, exactly as the editor's version diff compares two versions. So the
preview shows what the write will do (a missing column keeping the published value, material files
kept by name), not what the file says.

Kept on the job as JSON: the counts and the base version of every row, the changes of the first
MAX_PREVIEW_ROWS rows (values cut to MAX_PREVIEW_VALUE_CHARS), so a 10,000-row file stays small.
"""

from typing import Any

from catalog.diff import diff_specs
from catalog.models import ServiceItem
from catalog.specs import item_spec

NEW, UPDATE, UNCHANGED = "new", "update", "unchanged"
MAX_PREVIEW_ROWS = 1000
MAX_CHANGES_PER_ROW = 100
MAX_PREVIEW_VALUE_CHARS = 500


class Preview:
    """The preview of one job, filled row by row."""

    def __init__(self) -> None:
        self.counts = {NEW: 0, UPDATE: 0, UNCHANGED: 0}
        self.rows: list[dict[str, Any]] = []
        # row number → pk of the published version the row continues; checked again at the write.
        self.bases: dict[str, int] = {}

    def add(self, *, row: int, name: str, existing: ServiceItem | None, written: ServiceItem) -> None:
        """Record one rehearsed row: ``written`` is the draft, still visible inside the rehearsal."""
        changes = [] if existing is None else diff_specs(item_spec(existing), item_spec(written))
        self.add_changes(row=row, name=written.name, existing=existing, changes=changes)

    def add_changes(self, *, row: int, name: str, existing: ServiceItem | None, changes: list[Any]) -> None:
        """Record one row by its changes from ``existing`` (catalog.diff), e.g. of an unsaved draft's spec."""
        if existing is None:
            kind = NEW
        else:
            self.bases[str(row)] = existing.pk
            kind = UPDATE if changes else UNCHANGED
        self.counts[kind] += 1
        if len(self.rows) >= MAX_PREVIEW_ROWS:
            return
        self.rows.append(
            {
                "row": row,
                "name": name,
                "code": existing.code if existing is not None else "",
                "kind": kind,
                "from_version": existing.version if existing is not None else None,
                "change_count": len(changes),
                "changes": [
                    {
                        "section": c.section,
                        "label": c.label,
                        "kind": c.kind,
                        "kind_label": c.kind_label,
                        "old": c.old[:MAX_PREVIEW_VALUE_CHARS],
                        "new": c.new[:MAX_PREVIEW_VALUE_CHARS],
                    }
                    for c in changes[:MAX_CHANGES_PER_ROW]
                ],
            }
        )

    def as_json(self) -> dict[str, Any]:
        return {"counts": self.counts, "rows": self.rows, "bases": self.bases}


def base_moved(preview: dict[str, Any], *, row: int, existing: ServiceItem | None) -> bool:
    """Whether the published version a row continues is no longer the one the editor was shown."""
    if existing is None or "bases" not in preview:  # a job validated before previews existed
        return False
    return preview["bases"].get(str(row)) != existing.pk
