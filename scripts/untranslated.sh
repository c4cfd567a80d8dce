#!/usr/bin/env bash
# Lists the English catalogue's msgids that are untranslated or fuzzy (after makemessages), one a line
# with its first source reference; exits 1 when there is any, 0 when locale/en is complete.
#   scripts/untranslated.sh            # list
#   scripts/untranslated.sh --count    # only the numbers
# Re-extract first:  DJANGO_DEBUG=1 DJANGO_SECRET_KEY=x .venv/bin/python manage.py makemessages -l en \
#   --ignore=.venv --ignore=var --ignore=static/vendor --no-obsolete
set -euo pipefail
cd "$(dirname "$0")/.."
PO=locale/en/LC_MESSAGES/django.po
exec .venv/bin/python - "$PO" "${1:-}" <<'PY'
import re, sys

path, mode = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()
untranslated, fuzzy = [], []
for block in text.split("\n\n")[1:]:  # the first block is the header
    lines = block.strip().splitlines()
    if not lines or all(line.startswith("#~") for line in lines):
        continue
    ref = next((line[3:].split()[0] for line in lines if line.startswith("#: ")), "?")
    msgid, msgstrs, current = [], [], None
    for line in lines:
        if line.startswith("msgid "):
            current = msgid
        elif line.startswith("msgid_plural"):
            current = None
        elif line.startswith("msgstr"):
            current = []
            msgstrs.append(current)
        elif not line.startswith('"'):
            continue
        if current is not None:
            current.append(re.sub(r'^(msgid|msgstr(\[\d\])?) ', "", line)[1:-1])
    entry = (ref, "".join(msgid))
    if any(line.startswith("#,") and "fuzzy" in line for line in lines):
        fuzzy.append(entry)
    elif any(not "".join(s) for s in msgstrs):
        untranslated.append(entry)
if mode != "--count":
    for kind, entries in (("untranslated", untranslated), ("fuzzy", fuzzy)):
        for ref, msgid in entries:
            print(f"{kind}\t{ref}\t{msgid}")
print(f"{len(untranslated)} untranslated, {len(fuzzy)} fuzzy", file=sys.stderr)
sys.exit(1 if untranslated or fuzzy else 0)
PY
