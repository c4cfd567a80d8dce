"""Editors' and publishers' pages for bundles (一件事), alongside the items' in 事项管理.

The same shape as catalog.views.editor, and its helpers for what is the same: a create or edit form
saved through its service (a rule that fails is shown above the form with status 422 and nothing is
saved), a version returned to its editors with comments.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from catalog import access, bundle_services, selectors
from catalog.forms import BundleForm, ReturnForm
from catalog.models import Bundle, BundleEvent, ItemEvent, ServiceItem
from catalog.views.editor import _render, _return_for_changes, _save_form, catalog_staff_view
from catalog.views.public import bundle_guide_context
from portal.exceptions import InvalidTransition, PermissionDenied

Status = ServiceItem.Status
ROW_LIMIT = 200


def _member_choices(request: HttpRequest) -> list[ServiceItem]:
    """Published items an editor may name as members (shown with their codes beside the form)."""
    return list(
        selectors.published_items()
        .filter(lifecycle=ServiceItem.Lifecycle.IN_FORCE)
        .order_by("region__code", "name")[:ROW_LIMIT]
    )


@catalog_staff_view
def bundle_editor_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    departments = access.editable_departments(user) | access.publishable_departments(user)
    found = access.bundles_visible_to(user).filter(department__in=departments).order_by("code", "-version")
    context = {"bundles": found[:ROW_LIMIT], "can_create": access.editable_departments(user).exists()}
    return _render(request, "catalog/editor/bundle_list.html", context)


@catalog_staff_view
@require_http_methods(["GET", "POST"])
def bundle_editor_create(request: HttpRequest) -> HttpResponse:
    departments = access.editable_departments(request.user)
    if not departments.exists():
        raise PermissionDenied(gettext("您没有可编辑事项的部门。"))
    form = BundleForm(request.POST or None, departments=departments)
    bundle, status = _save_form(
        request,
        form,
        lambda: bundle_services.create_bundle(
            actor=request.user, department=form.cleaned_data["department"], spec=form.spec()
        ),
    )
    if bundle is not None:
        messages.success(request, gettext("已创建一件事草稿，编码 %(code)s。") % {"code": bundle.code})
        return redirect("catalog:bundle_editor_detail", bundle.pk)
    context = {"form": form, "bundle": None, "items": _member_choices(request)}
    return _render(request, "catalog/editor/bundle_edit.html", context, status=status)


@catalog_staff_view
@require_http_methods(["GET", "POST"])
def bundle_editor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    bundle = access.get_bundle_for(request.user, pk, access.EDIT)
    if bundle.status != Status.DRAFT:
        raise InvalidTransition(
            gettext("该一件事当前为“%(status)s”，只有草稿可以修改。") % {"status": bundle.get_status_display()}
        )
    form = BundleForm(request.POST or None, initial=BundleForm.initial_of(bundle_services.bundle_spec(bundle)))
    saved, status = _save_form(
        request, form, lambda: bundle_services.update_bundle_draft(actor=request.user, bundle=bundle, spec=form.spec())
    )
    if saved is not None:
        messages.success(request, gettext("草稿已保存。"))
        return redirect("catalog:bundle_editor_detail", bundle.pk)
    context = {"form": form, "bundle": bundle, "items": _member_choices(request)}
    return _render(request, "catalog/editor/bundle_edit.html", context, status=status)


def _detail(request: HttpRequest, bundle: Bundle, *, status: int = 200, return_form: ReturnForm | None = None):
    versions = access.bundles_visible_to(request.user).filter(code=bundle.code).order_by("-version")
    context = {
        **bundle_guide_context(selectors.bundle_with_members(bundle)),
        "versions": versions,
        "has_open_draft": any(v.is_open_draft for v in versions),
        "can_edit": access.can_edit_department(request.user, bundle.department),
        "can_publish": access.can_publish_department(request.user, bundle.department),
        "outdated": selectors.outdated_members(bundle),
        # Only the versions this user may see: another department's editor reads a published version's
        # history, not the comments on the lead department's unpublished drafts (as editor_history).
        "events": BundleEvent.objects.filter(bundle__in=versions).select_related("actor", "bundle")[:50],
        "last_return": bundle.events.filter(action=ItemEvent.Action.RETURNED).first(),
        "return_form": return_form or ReturnForm(),
    }
    return _render(request, "catalog/editor/bundle_detail.html", context, status=status)


@catalog_staff_view
def bundle_editor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, access.get_bundle_for(request.user, pk, access.VIEW))


@catalog_staff_view
@require_POST
def bundle_editor_submit(request: HttpRequest, pk: int) -> HttpResponse:
    bundle = access.get_bundle_for(request.user, pk, access.EDIT)
    bundle_services.submit_bundle(actor=request.user, bundle=bundle, comment=request.POST.get("comment", "")[:2000])
    messages.success(request, gettext("已提交审核，等待发布审核人员处理。"))
    return redirect("catalog:bundle_editor_detail", bundle.pk)


@catalog_staff_view
@require_POST
def bundle_editor_publish(request: HttpRequest, pk: int) -> HttpResponse:
    bundle = access.get_bundle_for(request.user, pk, access.PUBLISH)
    bundle_services.publish_bundle(actor=request.user, bundle=bundle)
    messages.success(request, (gettext("已发布第 %(version)s 版。") % {"version": bundle.version}))
    return redirect("catalog:bundle_editor_detail", bundle.pk)


@catalog_staff_view
@require_POST
def bundle_editor_return(request: HttpRequest, pk: int) -> HttpResponse:
    bundle = access.get_bundle_for(request.user, pk, access.PUBLISH)
    return _return_for_changes(
        request,
        bundle,
        give_back=lambda comment: bundle_services.return_bundle(actor=request.user, bundle=bundle, comment=comment),
        detail=_detail,
        to="catalog:bundle_editor_detail",
    )


@catalog_staff_view
@require_POST
def bundle_editor_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    bundle = access.get_bundle_for(request.user, pk, access.EDIT)
    draft = bundle_services.start_new_bundle_version(actor=request.user, bundle=bundle)
    messages.success(
        request,
        (
            gettext("已基于已发布版本创建第 %(version)s 版草稿，成员事项已更新为当前发布版本。")
            % {"version": draft.version}
        ),
    )
    return redirect("catalog:bundle_editor_detail", draft.pk)


@catalog_staff_view
@require_POST
def bundle_editor_discard(request: HttpRequest, pk: int) -> HttpResponse:
    bundle = access.get_bundle_for(request.user, pk, access.EDIT)
    bundle_services.discard_bundle_draft(actor=request.user, bundle=bundle)
    messages.success(
        request, (gettext("已放弃“%(name)s”第 %(version)s 版草稿。") % {"name": bundle.name, "version": bundle.version})
    )
    return redirect("catalog:bundle_editor_list")
