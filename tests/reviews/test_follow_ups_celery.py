"""好差评's follow-ups with a real worker and beat: invitation, reminder and default rating, each once."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.utils import timezone

from applications.models import Application
from portal.models import Notification
from reviews.models import Evaluation, EvaluationPolicy
from tests.applications.test_sweeps_celery import (  # noqa: F401
    BEAT_ARGS,
    celery,
    logs,
    needs_postgres,
    private_redis,
    process_env,
    succeeded,
    wait_for,
    worker_args,
)


@needs_postgres
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_beat_invites_reminds_and_defaults_each_once(concluded, citizen, private_redis, tmp_path):  # noqa: F811
    # Concluded just now (the worker runs on the system clock); the region reminds and defaults at once.
    Application.objects.filter(pk=concluded.pk).update(concluded_at=timezone.now())
    EvaluationPolicy.objects.create(region=concluded.department.region, remind_after_days=0, default_after_days=0)
    private_redis.start()
    env = process_env(private_redis.url, tmp_path, SWEEP_INTERVAL_SECONDS="1")
    schedule = subprocess.run(
        [sys.executable, "manage.py", "setup_schedule"], cwd=settings.BASE_DIR, env=env, capture_output=True, timeout=60
    )
    assert schedule.returncode == 0, schedule.stderr.decode(errors="replace")

    def caught_up() -> bool:
        keys = set(Notification.objects.filter(recipient=citizen).values_list("idempotency_key", flat=True))
        return {f"evaluation-invite:{concluded.number}", f"evaluation-remind:{concluded.number}"} <= keys

    with celery(("worker", worker_args("ratings")), ("beat", BEAT_ARGS), env=env, logdir=tmp_path):
        assert wait_for(caught_up), logs(tmp_path)
        runs = succeeded(tmp_path, "reviews.tasks.sweep_evaluations")
        assert wait_for(lambda: succeeded(tmp_path, "reviews.tasks.sweep_evaluations") >= runs + 3), logs(tmp_path)

    evaluation = Evaluation.objects.get(application=concluded)
    assert evaluation.status == Evaluation.Status.DEFAULTED
    for kind in ("invite", "remind"):
        assert Notification.objects.filter(idempotency_key=f"evaluation-{kind}:{concluded.number}").count() == 1
