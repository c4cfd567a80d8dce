import io
import pytest
from django.core.management import call_command
from applications.services import bundles as bs
from catalog.models import Bundle
from portal.models import User


@pytest.mark.django_db(transaction=True)
def test_probe(settings):
    settings.DEMO_MODE = True
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo_hall", stdout=io.StringIO())
    b = Bundle.objects.get(name="开办餐饮店“一件事”", status="published")
    for m in b.members.select_related("item"):
        print("MEMBER", m.item.name, m.item.department.name, m.item.service_objects, [f["name"] for f in m.item.form_definition or []])
        print("  MAT", [(r.name, r.source, r.license_code, r.is_situational) for r in m.item.materials.all()])
    print("MERGED", [(f.name, f.label, f.as_definition().get("required")) for f in bs.merged_fields(b)])
    print("ASKED", [m.name for m in bs.asked_materials(b)])
    u = User.objects.get(username="13900000001")
    try:
        d = bs.start_bundle_application(user=u, bundle=b, acting_as="self", id_number="320115199003071230")
        print("DRAFT", d.form_data)
    except Exception as e:
        print("ERR", repr(e))
