#!/usr/bin/env bash
# `make run`: migrate, load the demo data, start web + Celery worker + beat, print the accounts.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_DEBUG="${DJANGO_DEBUG:-1}"
# Where the portal listens (PORTAL_ADDR=0.0.0.0:8080 make run); documents' QR codes and the links in
# notices point at the same address unless PORTAL_PUBLIC_URL says otherwise (settings.py; the worker
# started below reads the same variables).
export PORTAL_ADDR="${PORTAL_ADDR:-127.0.0.1:8000}"
PY=.venv/bin/python
mkdir -p var/log
$PY manage.py migrate --noinput
$PY manage.py seed_demo
$PY manage.py seed_demo_hall
$PY manage.py seed_demo_ratings
$PY manage.py setup_schedule
.venv/bin/celery -A portal worker --loglevel=INFO --concurrency=2 >var/log/worker.log 2>&1 &
WORKER=$!
# Exactly one beat, with the schedule in the database.
.venv/bin/celery -A portal beat --loglevel=INFO \
  --scheduler portal.beat:SingleBeatScheduler >var/log/beat.log 2>&1 &
BEAT=$!
trap 'kill $WORKER $BEAT 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
echo
echo "一网通办 is starting at http://${PORTAL_ADDR}/  (worker and beat log to var/log/)"
$PY manage.py demo_accounts
$PY manage.py runserver "$PORTAL_ADDR" --noreload
