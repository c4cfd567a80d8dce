"""The catalog's edit → approve → publish workflow (catalog.services), against the real database."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection

from catalog import services
from catalog.models import ItemEvent, MaterialRequirement, ServiceItem, Topic
from catalog.services import item_spec
from portal.clock import FixedClock
from portal.exceptions import BadInput, DomainError, InvalidTransition, PermissionDenied
from portal.models import AuditEvent, Role
from tests.factories import BasicItemFactory, MaterialRequirementFactory, ServiceItemFactory, UserFactory

Status = ServiceItem.Status
VALID_SPEC = {
    "service_objects": ["natural_person"],
    "statutory_days": 20,
    "promised_days": 10,
    "visits": 1,
    "visits_reason": "核验原件",
}
TODAY = dt.date(2026, 3, 2)
CLOCK = FixedClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))


@pytest.fixture
def published(department_x):
    return ServiceItemFactory(department=department_x, name="食品经营许可")


@pytest.fixture
def draft(department_x):
    return ServiceItemFactory(department=department_x, draft=True)


@pytest.fixture
def pending(department_x):
    return ServiceItemFactory(department=department_x, pending=True)


def events(item, action):
    return list(ItemEvent.objects.filter(item=item, action=action))


# --- Creating ---------------------------------------------------------------------------------


def test_creating_an_item_makes_a_first_draft_with_a_generated_code(editor_x, department_x):
    basic = BasicItemFactory(code="000123456000")
    item = services.create_service_item(actor=editor_x, basic_item=basic, department=department_x, spec=VALID_SPEC)
    assert (item.version, item.status, item.region) == (1, Status.DRAFT, department_x.region)
    assert item.code == f"{department_x.uscc}000123456000101"
    assert len(item.code) <= 36
    assert (item.name, item.item_type, item.basis) == (basic.name, basic.item_type, basic.basis)
    assert events(item, ItemEvent.Action.CREATED)[0].actor == editor_x
    assert AuditEvent.objects.filter(action="catalog.item_created", object_id=str(item.pk)).exists()


def test_a_second_item_of_the_same_basic_item_draws_the_next_sequence(editor_x, department_x):
    basic = BasicItemFactory(code="000123456000")
    first = services.create_service_item(actor=editor_x, basic_item=basic, department=department_x, spec=VALID_SPEC)
    second = services.create_service_item(actor=editor_x, basic_item=basic, department=department_x, spec=VALID_SPEC)
    renewal = services.create_service_item(
        actor=editor_x, basic_item=basic, department=department_x, spec={**VALID_SPEC, "handling": "renewal"}
    )
    assert first.code.endswith("101") and second.code.endswith("102") and renewal.code.endswith("301")


def test_an_editor_cannot_create_an_item_for_another_department(editor_x, department_y):
    with pytest.raises(PermissionDenied):
        services.create_service_item(
            actor=editor_x, basic_item=BasicItemFactory(), department=department_y, spec=VALID_SPEC
        )
    assert not ServiceItem.objects.exists()


def test_a_creation_that_breaks_a_rule_writes_nothing(editor_x, department_x):
    with pytest.raises(ValidationError) as caught:
        services.create_service_item(
            actor=editor_x,
            basic_item=BasicItemFactory(),
            department=department_x,
            spec={**VALID_SPEC, "promised_days": 25},
        )
    assert "promised_days" in caught.value.message_dict
    assert not ServiceItem.objects.exists() and not ItemEvent.objects.exists()


def test_a_spec_may_not_set_the_identity_of_an_item(editor_x, department_x):
    with pytest.raises(BadInput):
        services.create_service_item(
            actor=editor_x, basic_item=BasicItemFactory(), department=department_x, spec={**VALID_SPEC, "code": "X"}
        )


# --- The status table -------------------------------------------------------------------------

ALL_STATUSES = list(Status.values)
ALLOWED = [(f, t) for f, moves in services.STATUS_MOVES.items() for t in moves]
REFUSED = [(f, t) for f in ALL_STATUSES for t in ALL_STATUSES if (f, t) not in ALLOWED]


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_transition_makes_every_allowed_move(department_x, publisher, from_status, to_status):
    item = ServiceItemFactory(department=department_x, status=from_status)
    moved = services.transition(item, to_status, actor=publisher, comment="说明")
    item.refresh_from_db()
    assert moved.status == item.status == to_status
    event = ItemEvent.objects.get(item=item)
    assert (event.actor, event.comment, event.changes) == (publisher, "说明", {"from": from_status, "to": to_status})
    assert event.action == services.STATUS_MOVES[from_status][to_status]
    assert AuditEvent.objects.filter(object_id=str(item.pk), actor=publisher).exists()


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED)
def test_transition_refuses_every_move_not_in_the_table(department_x, publisher, from_status, to_status):
    item = ServiceItemFactory(department=department_x, status=from_status)
    with pytest.raises(InvalidTransition):
        services.transition(item, to_status, actor=publisher)
    item.refresh_from_db()
    assert item.status == from_status
    assert not ItemEvent.objects.filter(item=item).exists()


def test_transition_reads_the_status_from_the_database_not_from_a_stale_instance(pending, publisher):
    stale = ServiceItem.objects.get(pk=pending.pk)
    services.return_service_item(actor=publisher, item=pending, comment="请补充材料")
    with pytest.raises(InvalidTransition):
        services.publish_service_item(actor=publisher, item=stale)
    stale.refresh_from_db()
    assert stale.status == Status.DRAFT


# --- Submit, publish, return ------------------------------------------------------------------


def test_submitting_moves_a_draft_to_pending_approval(draft, editor_x):
    item = services.submit_for_approval(actor=editor_x, item=draft, comment="请审核", clock=CLOCK)
    assert (item.status, item.submitted_at) == (Status.PENDING_APPROVAL, CLOCK.now())
    assert events(item, ItemEvent.Action.SUBMITTED)[0].comment == "请审核"


def test_submitting_twice_is_refused(draft, editor_x):
    services.submit_for_approval(actor=editor_x, item=draft)
    with pytest.raises(InvalidTransition):
        services.submit_for_approval(actor=editor_x, item=draft)
    assert len(events(draft, ItemEvent.Action.SUBMITTED)) == 1


def test_another_departments_editor_cannot_submit(draft, editor_y):
    with pytest.raises(PermissionDenied):
        services.submit_for_approval(actor=editor_y, item=draft)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_publishing_retires_the_previous_version(published, editor_x, publisher):
    draft = services.start_new_version(actor=editor_x, item=published)
    services.submit_for_approval(actor=editor_x, item=draft)
    services.publish_service_item(actor=publisher, item=draft, clock=CLOCK)
    published.refresh_from_db()
    draft.refresh_from_db()
    assert (draft.status, draft.published_by, draft.published_at) == (Status.PUBLISHED, publisher, CLOCK.now())
    assert (published.status, published.retired_at) == (Status.RETIRED, CLOCK.now())
    assert events(published, ItemEvent.Action.RETIRED)[0].actor == publisher
    assert events(draft, ItemEvent.Action.PUBLISHED)[0].actor == publisher
    assert ServiceItem.objects.filter(code=published.code, status=Status.PUBLISHED).get() == draft


def test_publishing_a_first_version_retires_nothing(pending, publisher):
    item = services.publish_service_item(actor=publisher, item=pending)
    assert item.status == Status.PUBLISHED
    assert not ItemEvent.objects.filter(action=ItemEvent.Action.RETIRED).exists()


@pytest.mark.parametrize("status", [Status.DRAFT, Status.PUBLISHED, Status.RETIRED])
def test_only_a_pending_version_can_be_published(department_x, publisher, status):
    item = ServiceItemFactory(department=department_x, status=status)
    with pytest.raises(InvalidTransition):
        services.publish_service_item(actor=publisher, item=item)
    item.refresh_from_db()
    assert item.status == status


def test_an_editor_cannot_publish(pending, editor_x):
    with pytest.raises(PermissionDenied):
        services.publish_service_item(actor=editor_x, item=pending)
    pending.refresh_from_db()
    assert pending.status == Status.PENDING_APPROVAL


def test_a_publisher_of_another_region_cannot_publish(department_y, publisher):
    item = ServiceItemFactory(department=department_y, pending=True)
    with pytest.raises(PermissionDenied):
        services.publish_service_item(actor=publisher, item=item)


def test_returning_needs_a_comment(pending, publisher):
    with pytest.raises(DomainError) as caught:
        services.return_service_item(actor=publisher, item=pending, comment="   ")
    assert caught.value.status_code == 422
    pending.refresh_from_db()
    assert pending.status == Status.PENDING_APPROVAL


def test_a_returned_draft_carries_the_comment(pending, publisher, editor_x):
    item = services.return_service_item(actor=publisher, item=pending, comment="承诺时限过长，请压缩。")
    assert (item.status, item.review_comment) == (Status.DRAFT, "承诺时限过长，请压缩。")
    event = events(item, ItemEvent.Action.RETURNED)[0]
    assert (event.actor, event.comment) == (publisher, "承诺时限过长，请压缩。")
    # Resubmitting clears the comment from the version; the history keeps it.
    services.submit_for_approval(actor=editor_x, item=item)
    item.refresh_from_db()
    assert item.review_comment == "" and events(item, ItemEvent.Action.RETURNED)


def test_an_editor_cannot_return(pending, editor_x):
    with pytest.raises(PermissionDenied):
        services.return_service_item(actor=editor_x, item=pending, comment="自己退回")


# --- New versions and drafts ------------------------------------------------------------------


def test_only_one_open_draft_per_item(published, editor_x):
    draft = services.start_new_version(actor=editor_x, item=published)
    with pytest.raises(InvalidTransition, match="该事项已有未发布的草稿"):
        services.start_new_version(actor=editor_x, item=published)
    services.submit_for_approval(actor=editor_x, item=draft)
    with pytest.raises(InvalidTransition, match="该事项已有未发布的草稿"):
        services.start_new_version(actor=editor_x, item=published)
    assert ServiceItem.objects.filter(code=published.code).count() == 2


def test_a_new_version_needs_a_published_one(draft, editor_x):
    with pytest.raises(InvalidTransition):
        services.start_new_version(actor=editor_x, item=draft)


def test_a_new_version_copies_fields_children_and_files(published, editor_x):
    published.result_name = "食品经营许可证"
    published.result_sample.save("result.pdf", ContentFile(b"%PDF-1.4 sample"), save=False)
    published.has_fee = True
    published.save()
    material = MaterialRequirementFactory(item=published, name="营业执照")
    material.blank_form.save("form.pdf", ContentFile(b"%PDF-1.4 form"))
    MaterialRequirementFactory(item=published, name="委托书", is_situational=True)
    published.fees.create(name="工本费", standard="每证 10 元", amount_yuan="10.00")
    published.steps.create(kind="handle", limit_days=3)
    situation = published.situations.create(question="是否委托他人办理？")
    option = situation.options.create(label="是")
    option.adds.set(published.materials.filter(name="委托书"))
    published.topics.add(Topic.objects.create(code="kaiban", name="开办企业"))

    draft = services.start_new_version(actor=editor_x, item=published)

    assert (draft.version, draft.status, draft.code) == (2, Status.DRAFT, published.code)
    old, new = item_spec(published), item_spec(draft)
    assert {k: v for k, v in new.items() if k != "materials"} == {k: v for k, v in old.items() if k != "materials"}
    assert [m["blank_form"].name for m in new["materials"]] == [m["blank_form"].name for m in old["materials"]]
    assert new["result_sample"].name == published.result_sample.name
    assert new["situations"][0]["options"][0]["adds"] == ["委托书"]
    assert events(draft, ItemEvent.Action.CREATED)[0].changes == {"from_version": 1}


def test_another_departments_editor_cannot_start_a_new_version(published, editor_y):
    with pytest.raises(PermissionDenied):
        services.start_new_version(actor=editor_y, item=published)
    assert ServiceItem.objects.filter(code=published.code).count() == 1


def test_updating_a_draft_records_the_changed_fields(draft, editor_x):
    item = services.update_draft(
        actor=editor_x, item=draft, spec={"promised_days": 5, "place": "政务服务中心 3 号窗口"}
    )
    assert (item.promised_days, item.place) == (5, "政务服务中心 3 号窗口")
    event = events(item, ItemEvent.Action.EDITED)[0]
    changed = {c["field"]: (c["label"], c["old"], c["new"]) for c in event.changes["changes"]}
    assert changed["promised_days"] == ("承诺办结时限", "10", "5")
    assert changed["place"][0] == "办理地点"


def test_an_update_that_changes_nothing_leaves_no_event(draft, editor_x):
    services.update_draft(actor=editor_x, item=draft, spec={"promised_days": draft.promised_days})
    assert not events(draft, ItemEvent.Action.EDITED)


def test_a_rule_failure_leaves_the_draft_unchanged(draft, editor_x):
    MaterialRequirementFactory(item=draft, name="身份证")
    spec = {"promised_days": 30, "materials": [{"name": "户口簿"}]}
    with pytest.raises(ValidationError) as caught:
        services.update_draft(actor=editor_x, item=draft, spec=spec)
    assert "promised_days" in caught.value.message_dict
    draft.refresh_from_db()
    assert draft.promised_days == 10
    assert list(draft.materials.values_list("name", flat=True)) == ["身份证"]
    assert not events(draft, ItemEvent.Action.EDITED)


@pytest.mark.parametrize("status", [Status.PENDING_APPROVAL, Status.PUBLISHED, Status.RETIRED])
def test_only_a_draft_can_be_updated(department_x, editor_x, status):
    item = ServiceItemFactory(department=department_x, status=status)
    with pytest.raises(InvalidTransition):
        services.update_draft(actor=editor_x, item=item, spec={"promised_days": 5})
    item.refresh_from_db()
    assert item.promised_days == 10


def test_an_update_may_not_change_the_department(draft, editor_x, department_y):
    with pytest.raises(BadInput):
        services.update_draft(actor=editor_x, item=draft, spec={"department_id": department_y.pk})


def test_materials_given_without_files_keep_their_files(draft, editor_x):
    material = MaterialRequirementFactory(item=draft, name="申请表")
    material.blank_form.save("apply.pdf", ContentFile(b"%PDF-1.4"))
    services.update_draft(actor=editor_x, item=draft, spec={"materials": [{"name": "申请表", "copies": 2}]})
    kept = MaterialRequirement.objects.get(item=draft)
    assert (kept.copies, kept.blank_form.name) == (2, material.blank_form.name)


def test_discarding_deletes_only_the_draft(published, editor_x):
    draft = services.start_new_version(actor=editor_x, item=published)
    services.discard_draft(actor=editor_x, item=draft)
    assert list(ServiceItem.objects.filter(code=published.code)) == [published]
    assert AuditEvent.objects.filter(action="catalog.item_draft_discarded", object_id=str(draft.pk)).exists()


@pytest.mark.parametrize("status", [Status.PENDING_APPROVAL, Status.PUBLISHED])
def test_only_a_draft_can_be_discarded(department_x, editor_x, status):
    item = ServiceItemFactory(department=department_x, status=status)
    with pytest.raises(InvalidTransition):
        services.discard_draft(actor=editor_x, item=item)
    assert ServiceItem.objects.filter(pk=item.pk).exists()


def test_another_departments_editor_cannot_discard(draft, editor_y):
    with pytest.raises(PermissionDenied):
        services.discard_draft(actor=editor_y, item=draft)
    assert ServiceItem.objects.filter(pk=draft.pk).exists()


# --- Suspension and cancellation ---------------------------------------------------------------


def test_suspending_a_published_item_records_the_date_and_reason(published, publisher):
    item = services.change_item_lifecycle(
        actor=publisher, item=published, lifecycle="suspended", effective_on=TODAY, reason="系统升级", clock=CLOCK
    )
    assert (item.lifecycle, item.lifecycle_effective_on) == ("suspended", TODAY)
    event = events(item, ItemEvent.Action.LIFECYCLE)[0]
    assert (event.comment, event.changes) == (
        "系统升级",
        {"from": "in_force", "to": "suspended", "effective_on": "2026-03-02"},
    )


def test_a_suspended_item_can_be_resumed_but_a_cancelled_one_cannot(published, publisher):
    def change(lifecycle):
        return services.change_item_lifecycle(
            actor=publisher, item=published, lifecycle=lifecycle, effective_on=TODAY, reason="依文件调整", clock=CLOCK
        )

    change("suspended")
    change("in_force")
    change("cancelled")
    with pytest.raises(InvalidTransition):
        change("in_force")
    published.refresh_from_db()
    assert published.lifecycle == "cancelled"


def test_a_lifecycle_change_needs_a_reason_and_no_past_date(published, publisher):
    with pytest.raises(DomainError) as caught:
        services.change_item_lifecycle(
            actor=publisher,
            item=published,
            lifecycle="suspended",
            effective_on=TODAY - dt.timedelta(days=1),
            reason="",
            clock=CLOCK,
        )
    assert caught.value.status_code == 422 and set(caught.value.detail) == {"reason", "effective_on"}
    published.refresh_from_db()
    assert published.lifecycle == "in_force"


def test_an_unknown_lifecycle_is_bad_input(published, publisher):
    with pytest.raises(BadInput):
        services.change_item_lifecycle(
            actor=publisher, item=published, lifecycle="paused", effective_on=TODAY, reason="x", clock=CLOCK
        )


def test_only_the_published_version_changes_lifecycle(draft, publisher):
    with pytest.raises(InvalidTransition):
        services.change_item_lifecycle(
            actor=publisher, item=draft, lifecycle="suspended", effective_on=TODAY, reason="x", clock=CLOCK
        )


def test_an_editor_cannot_suspend(published, editor_x):
    with pytest.raises(PermissionDenied):
        services.change_item_lifecycle(
            actor=editor_x, item=published, lifecycle="suspended", effective_on=TODAY, reason="x", clock=CLOCK
        )


def test_publishing_carries_a_suspension_over_to_the_new_version(published, editor_x, publisher):
    draft = services.start_new_version(actor=editor_x, item=published)
    services.change_item_lifecycle(
        actor=publisher, item=published, lifecycle="suspended", effective_on=TODAY, reason="整改", clock=CLOCK
    )
    services.submit_for_approval(actor=editor_x, item=draft)
    item = services.publish_service_item(actor=publisher, item=draft)
    assert (item.lifecycle, item.lifecycle_effective_on) == ("suspended", TODAY)


# --- Two people at once (row locks; PostgreSQL) -----------------------------------------------


def _at_once(*calls):
    """Run the calls in two threads released together; return (results, errors)."""
    start, results, errors = threading.Barrier(len(calls)), [], []

    def run(call):
        try:
            start.wait()
            results.append(call())
        except Exception as exc:  # noqa: BLE001 - reported by the assertions of the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_editors_starting_a_new_version_at_once_get_one_draft(department_x):
    published = ServiceItemFactory(department=department_x)
    editors = [UserFactory(department=department_x, roles=[Role.CATALOG_EDITOR]) for _ in range(2)]

    def start(editor):
        return lambda: services.start_new_version(actor=editor, item=ServiceItem.objects.get(pk=published.pk)).pk

    results, errors = _at_once(start(editors[0]), start(editors[1]))
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], InvalidTransition)
    assert ServiceItem.objects.filter(code=published.code, status=Status.DRAFT).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_publishers_publishing_at_once_publish_once(department_x):
    item = ServiceItemFactory(department=department_x, pending=True)
    publishers = [UserFactory(department=department_x, roles=[Role.CATALOG_PUBLISHER]) for _ in range(2)]

    def publish(publisher):
        return lambda: services.publish_service_item(actor=publisher, item=ServiceItem.objects.get(pk=item.pk)).pk

    results, errors = _at_once(publish(publishers[0]), publish(publishers[1]))
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], InvalidTransition)
    assert ItemEvent.objects.filter(item=item, action=ItemEvent.Action.PUBLISHED).count() == 1
