import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from applications import services
from catalog.models import ProcessStep
from portal.clock import FixedClock
from portal.workdays import load_official_calendar
from tests.factories import MaterialRequirementFactory, ServiceItemFactory, make_resident_id

PDF_BYTES = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def clock_at(day: dt.date, hour: int = 10) -> FixedClock:
    return FixedClock(timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour)))


def pdf(name: str = "材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


@pytest.fixture
def calendar_2026(db):
    load_official_calendar(years=[2025, 2026])


@pytest.fixture
def licensing_item(department_x, calendar_2026):
    item = ServiceItemFactory(
        department=department_x,
        statutory_days=20,
        promised_days=10,
        special_procedures=["site_inspection"],
        service_objects=["natural_person", "enterprise"],  # people and companies apply
    )
    for order, kind in enumerate([ProcessStep.Kind.HANDLE, ProcessStep.Kind.CHECK, ProcessStep.Kind.APPROVE], start=1):
        item.steps.create(kind=kind, order=order, limit_days=3)
    MaterialRequirementFactory(item=item, name="申请书")
    item.form_definition = [
        {"name": "applicant_name", "label": "申请人姓名", "type": "text", "required": True},
        {"name": "id_number", "label": "身份证号码", "type": "id_number", "required": True},
    ]
    item.save()
    return item


@pytest.fixture
def party(db):
    return services.register_party(
        kind="person", name="张三", id_type="resident_id", id_number=make_resident_id(), phone="13800138000"
    )


@pytest.fixture
def submitted(licensing_item, party, citizen):
    """A complete online submission, made on Monday 2026-03-02."""
    clock = clock_at(dt.date(2026, 3, 2), 9)
    application = services.start_application(user=citizen, item=licensing_item, party=party, clock=clock)
    application = services.save_draft(
        application=application, form_data={"applicant_name": "张三", "id_number": make_resident_id()}
    )
    services.attach_material(
        application=application, requirement=licensing_item.materials.get(), file=pdf(), actor=citizen, clock=clock
    )
    return services.submit_application(application=application, actor=citizen, declaration=True, clock=clock)
