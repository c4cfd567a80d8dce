"""Catalog editors' and publishers' pages: drafts, submission, approval, diff, history.

Each view: parse → authorise (catalog.access) → one service or selector → render. Domain errors
become the error page with their status (404, 403, 409, 422); a catalog rule that fails in a form is
shown next to its field with status 422, and the draft stays as it was.
"""

import os
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from catalog import access, services
from catalog.diff import diff_versions
from catalog.forms import CreateItemForm, DiffForm, DraftEditor, LifecycleForm, ReturnForm
from catalog.models import ItemEvent, ServiceItem
from catalog.services import item_spec
from portal.clock import system_clock
from portal.exceptions import DomainError, InvalidTransition, NotFound, PermissionDenied, render_error

Status = ServiceItem.Status
PAGE_SIZE = 50
Written = TypeVar("Written")


def _messages_of(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [message for messages_ in error.message_dict.values() for message in messages_]
    return list(error.messages)


def catalog_staff_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in catalog editors and publishers only; domain errors rendered with their status."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            if not access.is_catalog_staff(request.user):
                raise PermissionDenied(gettext("只有事项编辑和发布审核人员可以使用事项管理。"))
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return render_error(request, exc)
        except ValidationError as exc:
            # A rule failing outside a form, e.g. a draft that no longer passes when submitted.
            error = DomainError(
                gettext("事项内容未通过校验，请修改草稿后再提交。"), detail=_messages_of(exc), code="validation_error"
            )
            return render_error(request, error)

    return wrapper


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """render() with what the editors' navigation needs to know about the user."""
    roles = {
        "is_editor": access.is_catalog_editor(request.user),
        "is_publisher": access.is_catalog_publisher(request.user),
    }
    return render(request, template, {**roles, **context}, status=status)


def _visible_versions(request: HttpRequest, item: ServiceItem) -> QuerySet[ServiceItem]:
    return access.service_items_visible_to(request.user).filter(code=item.code).order_by("-version")


# --- Lists ----------------------------------------------------------------------------------


@catalog_staff_view
def editor_list(request: HttpRequest) -> HttpResponse:
    """The items of the departments the user edits or publishes for, every status."""
    user = request.user
    departments = access.editable_departments(user) | access.publishable_departments(user)
    items = access.service_items_visible_to(user).filter(department__in=departments)
    status = request.GET.get("status", "")
    if status in Status.values:
        items = items.filter(status=status)
    else:
        status = ""
    query = request.GET.get("q", "").strip()[:100]
    if query:
        items = items.filter(search_text__icontains=query.lower())
    page = Paginator(items.order_by("code", "-version"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "query": query,
        "statuses": Status.choices,
        "can_create": access.editable_departments(user).exists(),
    }
    return _render(request, "catalog/editor/list.html", context)


@catalog_staff_view
def editor_queue(request: HttpRequest) -> HttpResponse:
    """The publisher's queue: versions waiting for approval in the publisher's region."""
    if not access.is_catalog_publisher(request.user):
        raise PermissionDenied(gettext("只有事项发布审核人员可以查看待审核队列。"))
    items = (
        access.service_items_visible_to(request.user)
        .filter(status=Status.PENDING_APPROVAL, department__in=access.publishable_departments(request.user))
        .order_by("submitted_at", "pk")
    )
    bundles = (
        access.bundles_visible_to(request.user)
        .filter(status=Status.PENDING_APPROVAL, department__in=access.publishable_departments(request.user))
        .order_by("submitted_at", "pk")
    )
    return _render(request, "catalog/editor/queue.html", {"items": items, "bundles": bundles})


# --- Create and edit ------------------------------------------------------------------------


def _add_rule_errors(form: Any, error: ValidationError) -> None:
    messages_by_field = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    for field, texts in messages_by_field.items():
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


def _save_form(
    request: HttpRequest,
    form: Any,
    write: Callable[[], Written],
    *,
    add_errors: Callable[[Any, ValidationError], None] = _add_rule_errors,
) -> tuple[Written | None, int]:
    """A create or edit page (an item's or a bundle's): ``write()`` the posted form through its service.

    Returns what was written with 200, or None with the status to show the form again with: 200 on
    GET, 400 for an invalid form, 422 when a catalog rule refuses it (its messages put on the form by
    ``add_errors``; the service wrote nothing).
    """
    if request.method != "POST":
        return None, 200
    if not form.is_valid():
        return None, 400
    try:
        return write(), 200
    except ValidationError as exc:
        add_errors(form, exc)
        return None, 422


@catalog_staff_view
@require_http_methods(["GET", "POST"])
def editor_create(request: HttpRequest) -> HttpResponse:
    departments = access.editable_departments(request.user)
    if not departments.exists():
        raise PermissionDenied(gettext("您没有可编辑事项的部门。"))
    form = CreateItemForm(request.POST or None, departments=departments, initial={"visits": 1})
    item, status = _save_form(
        request,
        form,
        lambda: services.create_service_item(
            actor=request.user,
            basic_item=form.cleaned_data["basic_item"],
            department=form.cleaned_data["department"],
            spec=form.spec(),
        ),
    )
    if item is not None:
        messages.success(request, gettext("已创建草稿，实施编码 %(code)s。请继续完善事项内容。") % {"code": item.code})
        return redirect("catalog:editor_edit", item.pk)
    return _render(request, "catalog/editor/create.html", {"form": form}, status=status)


@catalog_staff_view
@require_http_methods(["GET", "POST"])
def editor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_service_item_for(request.user, pk, access.EDIT)
    if item.status != Status.DRAFT:
        raise InvalidTransition(
            gettext("该事项当前为“%(status)s”，只有草稿可以修改。") % {"status": item.get_status_display()}
        )
    data = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    editor = DraftEditor(item=item, spec=item_spec(item), data=data[0], files=data[1])
    saved, status = _save_form(
        request,
        editor,
        lambda: services.update_draft(actor=request.user, item=item, spec=editor.spec()),
        add_errors=DraftEditor.add_rule_errors,
    )
    if saved is not None:
        messages.success(request, gettext("草稿已保存。"))
        return redirect("catalog:editor_edit", item.pk)
    context = {"item": item, "editor": editor, "errors": editor.error_summary() if status != 200 else []}
    return _render(request, "catalog/editor/edit.html", context, status=status)


# --- One version: overview and workflow actions -----------------------------------------------


def _detail(request: HttpRequest, item: ServiceItem, *, status: int = 200, **forms: Any) -> HttpResponse:
    user = request.user
    versions = list(_visible_versions(request, item))
    can_edit = access.can_edit_department(user, item.department)
    can_publish = access.can_publish_department(user, item.department)
    context = {
        "item": item,
        "versions": versions,
        "has_open_draft": any(v.is_open_draft for v in versions),
        "can_edit": can_edit,
        "can_publish": can_publish,
        "materials": item.materials.all(),
        "situations": item.situations.prefetch_related("options__adds", "options__drops"),
        "steps": item.steps.all(),
        "fees": item.fees.all(),
        "faqs": item.faqs.all(),
        "return_form": forms.get("return_form") or ReturnForm(),
        "lifecycle_form": forms.get("lifecycle_form") or LifecycleForm(initial={"effective_on": system_clock.today()}),
        "last_return": item.events.filter(action=ItemEvent.Action.RETURNED).select_related("actor").first(),
    }
    return _render(request, "catalog/editor/detail.html", context, status=status)


@catalog_staff_view
def editor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, access.get_service_item_for(request.user, pk, access.VIEW))


@catalog_staff_view
@require_POST
def editor_submit(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_service_item_for(request.user, pk, access.EDIT)
    services.submit_for_approval(actor=request.user, item=item, comment=request.POST.get("comment", "")[:2000])
    messages.success(request, gettext("已提交审核，等待发布审核人员处理。"))
    return redirect("catalog:editor_detail", item.pk)


@catalog_staff_view
@require_POST
def editor_discard(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_service_item_for(request.user, pk, access.EDIT)
    services.discard_draft(actor=request.user, item=item)
    messages.success(
        request, gettext("已放弃“%(name)s”第 %(version)s 版草稿。") % {"name": item.name, "version": item.version}
    )
    return redirect("catalog:editor_list")


@catalog_staff_view
@require_POST
def editor_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_service_item_for(request.user, pk, access.EDIT)
    draft = services.start_new_version(actor=request.user, item=item)
    messages.success(request, gettext("已基于已发布版本创建第 %(version)s 版草稿。") % {"version": draft.version})
    return redirect("catalog:editor_edit", draft.pk)


@catalog_staff_view
@require_POST
def editor_publish(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_service_item_for(request.user, pk, access.PUBLISH)
    services.publish_service_item(actor=request.user, item=item)
    messages.success(request, gettext("已发布第 %(version)s 版。") % {"version": item.version})
    return redirect("catalog:editor_detail", item.pk)


@catalog_staff_view
@require_POST
def editor_return(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_service_item_for(request.user, pk, access.PUBLISH)
    return _return_for_changes(
        request,
        item,
        give_back=lambda comment: services.return_service_item(actor=request.user, item=item, comment=comment),
        detail=_detail,
        to="catalog:editor_detail",
    )


def _return_for_changes(
    request: HttpRequest,
    version: Any,
    *,
    give_back: Callable[[str], Any],
    detail: Callable[..., HttpResponse],
    to: str,
) -> HttpResponse:
    """A publisher sends a pending version (an item's or a bundle's) back to its editors with comments.

    ``give_back(comment)`` is the service. An invalid form (400) or a refusal the service reports
    as 422 shows the version's page again through ``detail``, the message on the comment field.
    """
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return detail(request, version, status=400, return_form=form)
    try:
        give_back(form.cleaned_data["comment"])
    except DomainError as exc:
        if exc.status_code != 422:
            raise
        form.add_error("comment", exc.message)
        return detail(request, version, status=422, return_form=form)
    messages.success(request, gettext("已退回修改，编辑人员将看到审核意见。"))
    return redirect(to, version.pk)


@catalog_staff_view
@require_POST
def editor_lifecycle(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_service_item_for(request.user, pk, access.PUBLISH)
    form = LifecycleForm(request.POST)
    if not form.is_valid():
        return _detail(request, item, status=400, lifecycle_form=form)
    try:
        services.change_item_lifecycle(actor=request.user, item=item, **form.cleaned_data)
    except DomainError as exc:
        if exc.status_code != 422:
            raise
        for field, texts in (exc.detail or {"__all__": [exc.message]}).items():
            for text in texts:
                form.add_error(field if field in form.fields else None, text)
        return _detail(request, item, status=422, lifecycle_form=form)
    messages.success(request, gettext("事项状态已变更。"))
    return redirect("catalog:editor_detail", item.pk)


# --- Diff, history, files -------------------------------------------------------------------


@catalog_staff_view
def editor_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """Side by side: any two versions of the same item that the user may see."""
    item = access.get_service_item_for(request.user, pk, access.VIEW)
    versions = list(_visible_versions(request, item))
    by_number = {v.version: v for v in versions}
    published = next((v for v in versions if v.status == Status.PUBLISHED and v.pk != item.pk), None)
    earlier = next((v for v in versions if v.version < item.version), None)
    default_old = published or earlier or item
    data = request.GET if {"old", "new"} & set(request.GET) else {"old": default_old.version, "new": item.version}
    form = DiffForm(data, versions=versions)
    if not form.is_valid():
        context = {"item": item, "form": form, "changes": None}
        return _render(request, "catalog/editor/diff.html", context, status=400)
    old, new = by_number[form.cleaned_data["old"]], by_number[form.cleaned_data["new"]]
    context = {"item": item, "form": form, "old": old, "new": new, "changes": diff_versions(old, new)}
    return _render(request, "catalog/editor/diff.html", context)


@catalog_staff_view
def editor_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Who did what to every version of the item the user may see."""
    item = access.get_service_item_for(request.user, pk, access.VIEW)
    events = (
        ItemEvent.objects.filter(item__in=_visible_versions(request, item))
        .select_related("actor", "item")
        .order_by("-at", "-id")
    )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "catalog/editor/history.html", {"item": item, "page": page})


FILE_LABELS = {
    "result_sample": gettext_lazy("审批结果样本"),
    "blank_form": gettext_lazy("空白表格"),
    "sample": gettext_lazy("示例样表"),
}


@catalog_staff_view
def editor_file(request: HttpRequest, pk: int, field: str, material_pk: int | None = None) -> FileResponse:
    """A blank form, sample or result sample of a version the user may see."""
    item = access.get_service_item_for(request.user, pk, access.VIEW)
    if field == "result_sample" and material_pk is None:
        stored, title = item.result_sample, gettext("%(value)s（样本）") % {"value": item.result_name or item.name}
    elif field in ("blank_form", "sample") and material_pk is not None:
        material = item.materials.filter(pk=material_pk).first()
        if material is None:
            raise NotFound(gettext("未找到该材料。"))
        stored = getattr(material, field)
        title = gettext("%(name)s（%(value)s）") % {
            "name": material.name,
            "value": gettext("空白表格") if field == "blank_form" else gettext("示例样表"),
        }
    else:
        raise NotFound(gettext("未找到该文件。"))
    if not stored or not stored.storage.exists(stored.name):
        raise NotFound(gettext("该文件不存在或已被删除。"))
    # Stored names are random (portal.uploads.RandomName): the download is named after what it is.
    filename = f"{title}{os.path.splitext(stored.name)[1].lower()}"
    return FileResponse(stored.open("rb"), as_attachment=True, filename=filename)
