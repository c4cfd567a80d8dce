#!/usr/bin/env bash
# The whole suite. `--bench` runs the benchmarks instead.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
export DJANGO_DEBUG=1 DJANGO_SECRET_KEY=test-secret-key AXES_ENABLED=1
# Bytecode caches: with PYTHONDONTWRITEBYTECODE set (as on the CI machines) every xdist worker and every
# worker, beat and manage.py the tests start compiles the whole project and rewrites every test module again.
unset PYTHONDONTWRITEBYTECODE
echo "database: ${DATABASE_URL:-sqlite (embedded)}; broker: ${REDIS_URL:-filesystem (embedded)}"
if [ "${1:-}" = "--bench" ]; then
  exec .venv/bin/python -m pytest tests/perf -p no:cacheprovider -q -s --no-header -o addopts=""
fi
# pytest-xdist: one worker per core, each with a database of its own (test_<name>_gw0, _gw1, …); all
# the tests of a file run on the same worker. Arguments pass through: `-n 0` runs serially.
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-auto}" --dist loadfile "$@"
