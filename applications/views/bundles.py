"""一件事申请 pages: start from the bundle's guide, fill one form and one set of materials, submit;
then one page for the whole bundle. Thin: the rules are in applications/services/bundles.py."""

import re
import uuid
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from applications import bundles, forms
from applications.access import get_bundle_application_for
from applications.documents import LEGAL_CONSEQUENCES
from applications.forms_runtime import decrypt_id_numbers
from applications.models import Application, BundleApplication
from applications.services import bundle_choices as choices
from applications.services import bundles as bundle_services
from catalog import selectors as catalog_selectors
from portal.exceptions import BadInput, DomainError, render_error

BUNDLE_SITUATION = re.compile(r"bs([0-9]{1,3})")


def _problems(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def start(request: HttpRequest, code: str) -> HttpResponse:
    """Who applies for the bundle (oneself, or a company one is 经办人 of); one draft per form."""
    user = request.user
    if not user.is_real_name_verified:  # type: ignore[union-attr]
        messages.info(request, gettext("网上申请前，请先完成实名认证。"))
        return redirect(f"{reverse('accounts:real_name')}?{urlencode({'next': request.path})}")
    try:
        bundle = catalog_selectors.published_bundle(code)
        bundle_services.check_bundle_open(bundle)
    except DomainError as exc:
        return render_error(request, exc)
    form = forms.StartForm(
        request.POST or None,
        user=user,
        initial={"applying_as": forms.StartForm.SELF, "idempotency_key": uuid.uuid4().hex, "phone": user.phone or ""},  # type: ignore[union-attr]
    )
    form.fields["applying_as"].choices = form.fields["applying_as"].choices[:2]  # no proxy online
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            self_ = data["applying_as"] == forms.StartForm.SELF
            try:
                draft = bundle_services.start_bundle_application(
                    user=user,
                    bundle=bundle,
                    acting_as=Application.ActingAs.SELF if self_ else Application.ActingAs.AGENT,
                    id_number=data["id_number"] if self_ else "",
                    organization=None if self_ else data["organization"],
                    phone=data["phone"],
                    idempotency_key=data["idempotency_key"],
                )
            except ValidationError as exc:
                forms.add_errors(form, exc)
                status = 422
            except DomainError as exc:
                return render_error(request, exc)
            else:
                return redirect("applications:bundle", pk=draft.pk)
        else:
            status = form.refusal_status()
    return render(request, "applications/bundle_start.html", {"bundle": bundle, "form": form}, status=status)


def _draft_context(draft: BundleApplication, problems: dict[str, list[str]], declaration: bool) -> dict[str, Any]:
    definition = [f.as_definition() for f in bundle_services.merged_fields(draft.bundle)]
    uploads = {u.material_key: u for u in draft.uploads.all()}
    missing = problems.get("materials", [])
    members = bundle_services.members_of(draft.bundle)
    asked = choices.asked(members, draft.situation_answers)
    committed = set(draft.commitment_keys or ())
    materials = [
        {
            "index": index,
            "material": m,
            "key": choices.key_of(m),
            "committed": choices.key_of(m) in committed,
            "uploaded": uploads.get(choices.key_of(m)),
            "errors": problems.get(f"material_{index}", []) + [e for e in missing if e.endswith(m.name)],
        }
        for index, m in enumerate(asked)
    ]
    situations = choices.situations(members)
    known = {"materials", "declaration", "situations", "commitments", "deferral_pledged"} | {
        f["name"] for f in definition
    }
    return {
        "situations": [
            (index, s, draft.situation_answers.get(s.key), len(s.asked_by) < len(members))
            for index, s in enumerate(situations)
        ],
        "deferrable": [
            m["material"] for m in materials if m["material"].necessity == "deferrable" and not m["uploaded"]
        ],
        "deferral_days": sorted({m.item.deferral_workdays for m in members}),
        "pledged": draft.deferral_pledged_at is not None,
        "commitment_items": choices.consequences(members, asked),
        "commitment_signed": draft.commitments_signed_at is not None,
        "legal_consequences": LEGAL_CONSEQUENCES,
        "draft": draft,
        "bundle": draft.bundle,
        "fields": forms.form_field_views(definition, decrypt_id_numbers(draft.form_data), problems),
        "materials": materials,
        "problems": problems,
        "other_problems": [
            m for k, ms in problems.items() if k not in known and not k.startswith("material_") for m in ms
        ],
        "max_upload_mb": settings.UPLOAD_MAX_BYTES / 1048576,
        "accept": forms.DOCUMENT_ACCEPT,
        "declaration": declaration,
        "licence_checks": bundle_services.licence_checks(draft),
    }


def _positions(post: Any) -> dict[int, int]:
    """``bs<question position>=<option position>`` from the page; anything malformed is bad input."""
    answers = {}
    for key, value in post.items():
        match = BUNDLE_SITUATION.fullmatch(key)
        if match is None:
            continue
        if not (value.isascii() and value.isdigit() and len(value) <= 3):
            raise BadInput(gettext("所选办理情形无效。"))
        answers[int(match.group(1))] = int(value)
    return answers


def _save(request: HttpRequest, draft: BundleApplication) -> dict[str, list[str]]:
    # The files belong to the list the page showed, i.e. to the answers as they were stored.
    asked = bundle_services.asked_materials(draft.bundle, draft.situation_answers)
    problems: dict[str, list[str]] = {}
    for index, file in forms.read_files(request.FILES, forms.BUNDLE_MATERIAL_FILE).items():
        if index >= len(asked):
            raise BadInput(gettext("上传的材料不在本一件事的材料清单中。"))
        try:
            bundle_services.attach_bundle_material(
                bundle_application=draft, key=bundle_services.key_of(asked[index]), file=file
            )
        except ValidationError as exc:
            problems[f"material_{index}"] = exc.messages
    definition = [f.as_definition() for f in bundle_services.merged_fields(draft.bundle)]
    post = request.POST
    bundle_services.save_bundle_draft(
        bundle_application=draft,
        form_data=forms.read_form_data(definition, post),
        situation_answers=_positions(post),
        commitments=post.getlist("commitments")[: forms.MAX_CHECKBOX_VALUES],
        commitment_signed=post.get("commitment_signed") == "on",
        deferral_pledged=post.get("deferral_pledged") == "on",
    )
    return problems


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def page(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft (one form, one set of materials) or, once submitted, every part on one page."""
    try:
        draft = get_bundle_application_for(request.user, pk)
    except DomainError as exc:
        return render_error(request, exc)
    if draft.status != BundleApplication.Status.DRAFT:
        if request.method == "POST":  # a second click on submit: the first one stands
            messages.info(request, gettext("该一件事申请已提交。"))
            return redirect("applications:bundle", pk=pk)
        return render(request, "applications/bundle_detail.html", bundles.overview(draft))
    if request.method != "POST":
        return render(request, "applications/bundle_draft.html", _draft_context(draft, {}, False))
    action, declaration = request.POST.get("action"), request.POST.get("declaration") == "on"
    try:
        if action not in ("save", "submit"):
            raise BadInput(gettext("未知的操作。"))
        problems = _save(request, draft)
        if action == "submit" and not problems:
            bundle_services.submit_bundle_application(
                bundle_application=draft, actor=request.user, declaration=declaration
            )
            messages.success(request, gettext("一件事申请已提交，各部门将按顺序办理，结果统一出件。"))
            return redirect("applications:bundle", pk=pk)
    except ValidationError as exc:
        problems = _problems(exc)
    except DomainError as exc:
        if exc.status_code != 422:
            return render_error(request, exc)
        problems = {"__all__": [exc.message]}
    if not problems:
        messages.success(request, gettext("草稿已保存。"))
        return redirect("applications:bundle", pk=pk)
    draft.refresh_from_db()
    return render(request, "applications/bundle_draft.html", _draft_context(draft, problems, declaration), status=422)
