"""Demo cases driven through the real services, shared by the demo hall (windows.demo) and the demo
ratings (reviews.demo): 张三 applies online for an item that fits (no fee, no paper original), and
for the 新生儿出生 bundle (``bundle_case``)."""

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from applications import services as cases
from applications.models import Application, BundleApplication
from applications.services import bundles as bundle_services
from applications.transitions import Actor
from catalog.demo import accounts
from catalog.demo.simple_pdf import simple_pdf
from catalog.models import Bundle, MaterialRequirement, ServiceItem
from portal.clock import Clock
from portal.models import User


def fits_the_demo(item: ServiceItem) -> bool:
    """An item 张三 can apply for online as a person, with nothing that needs paper at the window."""
    if not (item.accepts_on_pc or item.accepts_on_mobile) or item.fees.exists() or not item.steps.exists():
        return False
    if any(f.get("name", "").startswith(("organization_", "agent_")) for f in item.form_definition or []):
        return False
    for requirement in item.materials.all():
        paper_original = requirement.form == MaterialRequirement.Form.PAPER and requirement.originals > 0
        if paper_original and requirement.necessity != MaterialRequirement.Necessity.DEFERRABLE:
            return False
    return True


def _form_value(definition: dict[str, Any], citizen: accounts.CitizenSeed) -> Any:
    kind, check = definition.get("type", "text"), definition.get("validator", "")
    options = [str(o) for o in definition.get("options", [])]
    if kind in ("select", "radio"):
        return options[0]
    if kind == "checkbox":
        return options[:1]
    if kind == "number":
        return "1"
    if kind == "date":
        return "2025-01-01"
    if kind == "id_number" or check in ("resident_id", "id_number"):
        return citizen.id_number
    if kind == "phone" or check == "phone":
        return citizen.phone
    if definition.get("name") == "applicant_name":
        return citizen.real_name
    return "南京市江宁区东山街道上元大街1号"


def form_data_of(item: ServiceItem, citizen: accounts.CitizenSeed) -> dict[str, Any]:
    """The item's form filled in for a demo citizen."""
    return {f["name"]: _form_value(f, citizen) for f in item.form_definition or []}


def submitted_case(item: ServiceItem, key: str, clock: Clock) -> Application:
    citizen = accounts.CITIZENS[0]
    user = User.objects.get(username=citizen.phone)
    application = cases.start_online_application(
        user=user,
        item=item,
        acting_as=Application.ActingAs.SELF,
        id_number=citizen.id_number,
        idempotency_key=key,
        clock=clock,
    )
    application = cases.save_draft(application=application, form_data=form_data_of(item, citizen))
    for requirement in cases.required_materials(application):
        upload = _demo_pdf(requirement.name, citizen)
        cases.attach_material(application=application, requirement=requirement, file=upload, actor=user, clock=clock)
    return cases.submit_application(application=application, actor=user, declaration=True, clock=clock)


def granted_case(application: Application, *, handler: User, approver: User, clock: Clock) -> Application:
    """An accepted demo case through its review steps (the handler handles, the approver the rest; never
    the same person, applications.services.decide_application) to a grant."""
    item = application.item
    while item.steps.filter(order__gt=application.current_step.order).exists():
        actor = handler if application.current_step.kind == "handle" else approver
        application = cases.pass_step(application=application, actor=actor, opinion="材料齐全，同意。", clock=clock)
    cases.decide_application(
        application=application,
        actor=approver,
        actor_role=Actor.APPROVER,
        outcome="granted",
        reasons="申请材料齐全，符合法定条件和标准。",
        clock=clock,
    )
    application.refresh_from_db()
    return application


def _demo_pdf(name: str, citizen: accounts.CitizenSeed) -> SimpleUploadedFile:
    pdf = simple_pdf(title=name, subtitle="演示材料", rows=[("申请人", citizen.real_name)], notes=[])
    return SimpleUploadedFile(f"{name}.pdf", pdf, content_type="application/pdf")


def bundle_case(bundle: Bundle, key: str, clock: Clock) -> BundleApplication:
    """张三 applies once for a bundle: the merged form, each merged material uploaded once, submitted
    (its first stage goes to the departments, the rest waits for their results). Idempotent by ``key``."""
    citizen = accounts.CITIZENS[0]
    user = User.objects.get(username=citizen.phone)
    draft = bundle_services.start_bundle_application(
        user=user,
        bundle=bundle,
        acting_as=Application.ActingAs.SELF,
        id_number=citizen.id_number,
        idempotency_key=key,
        clock=clock,
    )
    if draft.status == BundleApplication.Status.SUBMITTED:
        return draft
    fields = bundle_services.merged_fields(bundle)
    form_data = {f.name: _form_value(f.as_definition(), citizen) for f in fields}
    bundle_services.save_bundle_draft(bundle_application=draft, form_data=form_data)
    for material in bundle_services.asked_materials(bundle):
        bundle_services.attach_bundle_material(
            bundle_application=draft, key=bundle_services.key_of(material), file=_demo_pdf(material.name, citizen)
        )
    return bundle_services.submit_bundle_application(
        bundle_application=draft, actor=user, declaration=True, clock=clock
    )
