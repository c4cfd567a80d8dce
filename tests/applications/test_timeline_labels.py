"""Every step the portal writes on a case's timeline has a name a reader understands, in each language,
never its action code (the Done-when walk of issue 9 met "licences_fetched" on the timeline)."""

import re
from pathlib import Path

from django.utils import translation

from applications.selectors import EXTRA_ACTION_LABELS
from applications.transitions import TRANSITIONS

ROOT = Path(__file__).resolve().parents[2]
# A TimelineEvent written with a literal action: the call, then its action="…" before the call closes.
WRITTEN = re.compile(r"TimelineEvent(?:\.objects\.create)?\((?:[^()]|\([^()]*\))*?action=\"([a-z_]+)\"", re.S)


def written_actions() -> set[str]:
    actions: set[str] = set()
    for folder in ("portal", "catalog", "applications", "windows", "reviews"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" not in path.parts:
                actions |= set(WRITTEN.findall(path.read_text(encoding="utf-8")))
    return actions


def test_the_scan_finds_the_timeline_writers():
    assert {"start", "licences_fetched", "licences_rechecked", "licence_delivered"} <= written_actions()


def test_every_action_written_on_a_timeline_has_a_label_in_chinese_and_english():
    unlabelled = sorted(a for a in written_actions() if a not in TRANSITIONS and a not in EXTRA_ACTION_LABELS)
    assert unlabelled == []
    for action, label in EXTRA_ACTION_LABELS.items():
        with translation.override("en"):
            english = str(label)
        assert english != action and not re.search(r"[\u3400-\u9fff]", english), (action, english)
