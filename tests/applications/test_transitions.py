"""The state table is the specification: every (state, action, role) is allowed or refused by it."""

import threading

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from applications import services
from applications.models import Application, TimelineEvent
from applications.transitions import TRANSITIONS, Actor
from portal.exceptions import InvalidTransition, PermissionDenied
from tests.factories import ServiceItemFactory, make_resident_id

STATES = list(Application.Status.values)
ROLES = [v for k, v in vars(Actor).items() if k.isupper()]


class TransitionTableTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        item = ServiceItemFactory()
        party = services.register_party(
            kind="person", name="王五", id_type="resident_id", id_number=make_resident_id(seq="456")
        )
        cls.application = Application.objects.create(item=item, department=item.department, party=party)

    @settings(max_examples=400, deadline=None)
    @given(state=st.sampled_from(STATES), action=st.sampled_from(sorted(TRANSITIONS)), role=st.sampled_from(ROLES))
    def test_every_move_follows_the_table(self, state, action, role):
        Application.objects.filter(pk=self.application.pk).update(status=state)
        self.application.status = state
        events_before = TimelineEvent.objects.count()
        move = TRANSITIONS[action]
        if state in move.sources and role in move.actors:
            services.transition(application=self.application, action=action, actor_role=role)
            expected = move.target or state
            assert Application.objects.get(pk=self.application.pk).status == expected
            assert TimelineEvent.objects.count() == events_before + 1
        else:
            error = InvalidTransition if state not in move.sources else PermissionDenied
            with pytest.raises(error):
                services.transition(application=self.application, action=action, actor_role=role)
            assert Application.objects.get(pk=self.application.pk).status == state
            assert TimelineEvent.objects.count() == events_before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clerks_accepting_at_once_one_wins_the_other_gets_409(licensing_item, party, citizen):
    from tests.applications.conftest import pdf

    application = services.start_application(user=citizen, item=licensing_item, party=party)
    application = services.save_draft(
        application=application, form_data={"applicant_name": "张三", "id_number": make_resident_id()}
    )
    services.attach_material(
        application=application, requirement=licensing_item.materials.get(), file=pdf(), actor=citizen
    )
    services.submit_application(application=application, actor=citizen, declaration=True)

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept() -> None:
        try:
            barrier.wait()
            services.accept_application(
                application=Application.objects.get(pk=application.pk), actor=None, actor_role=Actor.CLERK
            )
            outcomes.append("accepted")
        except InvalidTransition:
            outcomes.append("409")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["409", "accepted"]
    assert application.tasks.count() == 1
    assert TimelineEvent.objects.filter(application=application, action="accept").count() == 1
