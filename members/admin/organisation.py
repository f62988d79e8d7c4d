"""Staff screens for the branch tree, staff roles, members, applications and transfers.

Every screen is scoped by `members.selectors.branches_in_scope`: staff see the subtrees of the branches
where they hold a role and nothing else; an id outside that answers 404 (not the admin's usual redirect).
Permissions come from staff roles, not from Django's per-model permissions: any role lets a staff member
look, the branch-admin role lets them change. Superusers see and change everything.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import page_errors

from .. import selectors
from ..data import exports
from ..id_numbers import mask_id_number
from ..models import Branch, Member, MembershipApplication, StaffRole, Transfer, User
from ..organisation import personal_data, services
from ..selectors import user_is_staff_of_any_branch
from .data import export_members_xlsx

BRANCH_ADMIN_ROLES = [StaffRole.Role.BRANCH_ADMIN]


class BranchScopedAdmin(admin.ModelAdmin):
    """Scopes an admin by the branch its rows belong to (`scope_field`, a lookup path to a Branch).
    Other apps' admins can subclass it: set `scope_field`, and `view_roles`/`manage_roles` as needed."""

    scope_field = "branch"
    view_roles: list[str] | None = None  # None: any role lets a staff member look
    manage_roles: list[str] | None = BRANCH_ADMIN_ROLES
    show_full_result_count = False

    def scope_queryset(self, request, queryset, roles=None):
        return queryset.filter(**{f"{self.scope_field}__in": selectors.branches_in_scope(request.user, roles=roles)})

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request), roles=self.view_roles)

    def _object_manageable(self, request, obj) -> bool:
        return self.scope_queryset(request, self.model.objects.filter(pk=obj.pk), roles=self.manage_roles).exists()

    def has_module_permission(self, request):
        return selectors.user_is_staff_of_any_branch(request.user, roles=self.view_roles)

    def has_view_permission(self, request, obj=None):
        return selectors.user_is_staff_of_any_branch(request.user, roles=self.view_roles)

    def has_change_permission(self, request, obj=None):
        if not selectors.user_is_staff_of_any_branch(request.user, roles=self.manage_roles):
            return False
        return obj is None or self._object_manageable(request, obj)

    def has_add_permission(self, request):
        return selectors.user_is_staff_of_any_branch(request.user, roles=self.manage_roles)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # A guessed id outside the staff member's scope looks exactly like one that does not exist.
        raise Http404

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Branch:
            kwargs["queryset"] = selectors.branches_in_scope(request.user, roles=self.manage_roles).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- Branch tree ----------------------------------------------------------------------------------------

BRANCH_FIELDS = [
    "name", "kind", "federated_type", "region", "address", "contact_name", "contact_phone", "worker_count",
    "is_active",
]


class BranchParentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{'　' * (obj.depth - 1)}{obj.name}（{obj.get_kind_display()}）"


class BranchAdminForm(forms.ModelForm):
    parent = BranchParentChoiceField(
        queryset=Branch.objects.none(), required=False, label=_("上级组织"),
        help_text=_("改变上级组织会把本组织连同全部下级一起移过去。"),
    )

    class Meta:
        model = Branch
        fields = BRANCH_FIELDS

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        choices = Q(pk__in=selectors.branches_in_scope(user, roles=BRANCH_ADMIN_ROLES).values("pk"))
        if self.instance.pk:
            parent = Branch.objects.get_parent(self.instance)
            self.fields["parent"].initial = parent.pk if parent else None
            if parent is not None:
                # The current parent stays a choice even above the staff member's own scope, so an admin
                # can edit the branch they hold their role on without moving it.
                choices |= Q(pk=parent.pk)
        parents = Branch.objects.filter(choices).order_by("path")
        if self.instance.pk:
            parents = parents.exclude(path__startswith=self.instance.path)
        self.fields["parent"].queryset = parents

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        parent = cleaned.get("parent")
        with page_errors(None, form=self):  # a form's own check: the error lands on it, no request needed
            children_kinds = ()
            if self.instance.pk:
                children_kinds = Branch.objects.get_children(self.instance).values_list("kind", flat=True)
                if parent is None and Branch.objects.get_parent(self.instance) is not None:
                    raise services.MembershipError(gettext("请选择上级组织。"), field="parent")
            services.branch_check_placement(
                kind=cleaned.get("kind"), federated_type=cleaned.get("federated_type", ""), parent=parent,
                children_kinds=children_kinds,
            )
        return cleaned


@admin.register(Branch)
class BranchAdmin(BranchScopedAdmin):
    """The tree as an indented list in path order (the materialised path sorts a subtree after its root)."""

    scope_field = "pk"
    form = BranchAdminForm
    list_display = ["indented_name", "kind", "federated_type", "region", "contact_phone", "is_active"]
    list_filter = ["kind", "federated_type", "region", "is_active"]
    search_fields = ["name", "region", "address"]
    ordering = ["path"]
    list_per_page = 100
    fields = ["parent", *BRANCH_FIELDS]

    def scope_queryset(self, request, queryset, roles=None):
        return queryset.filter(pk__in=selectors.branches_in_scope(request.user, roles=roles))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class ScopedForm(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, user=user, **kw)

        return ScopedForm

    @admin.display(description=_("名称"), ordering="path")
    def indented_name(self, obj):
        return format_html('<span style="padding-left:{}em">{}</span>', (obj.depth - 1) * 1.5, obj.name)

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in BRANCH_FIELDS}
        parent = form.cleaned_data.get("parent")
        if not change:
            created = services.branch_create(actor=request.user, parent=parent, **fields)
            obj.pk, obj.path, obj.depth, obj.numchild = created.pk, created.path, created.depth, created.numchild
            return
        services.branch_update(actor=request.user, branch=obj, **fields)
        old_parent = Branch.objects.get_parent(Branch.objects.get(pk=obj.pk))
        if parent is not None and (old_parent is None or old_parent.pk != parent.pk):
            services.branch_move(actor=request.user, branch=obj, new_parent=parent)
        obj.refresh_from_db()


# --- Staff roles ----------------------------------------------------------------------------------------


class StaffRoleGrantForm(forms.ModelForm):
    mobile = forms.CharField(label=_("用户手机号"), max_length=11, help_text=_("被授予角色的人须已注册账户。"))

    class Meta:
        model = StaffRole
        fields = ["branch", "role"]

    def clean_mobile(self):
        user = User.objects.filter(mobile=self.cleaned_data["mobile"].strip(), is_active=True).first()
        if user is None:
            raise forms.ValidationError(gettext("没有找到使用这个手机号的有效账户。"))
        return user

    def clean(self):
        cleaned = super().clean()
        user, branch, role = cleaned.get("mobile"), cleaned.get("branch"), cleaned.get("role")
        if user and branch and role and StaffRole.objects.filter(user=user, branch=branch, role=role).exists():
            raise forms.ValidationError(gettext("该用户在这个组织已有这个角色。"))
        return cleaned


@admin.register(StaffRole)
class StaffRoleAdmin(BranchScopedAdmin):
    """Branch admins grant and revoke roles inside their own subtree."""

    view_roles = BRANCH_ADMIN_ROLES
    list_display = ["user", "branch", "role", "created_at"]
    list_select_related = ["user", "branch"]
    list_filter = ["role"]
    search_fields = ["user__name", "user__mobile", "branch__name"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = StaffRoleGrantForm
            kwargs["fields"] = ["mobile", "branch", "role"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["mobile", "branch", "role"] if obj is None else ["user", "branch", "role", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["user", "branch", "role", "created_at"]

    def has_change_permission(self, request, obj=None):
        return False  # a role is granted or revoked, never edited

    def has_delete_permission(self, request, obj=None):
        if not selectors.user_is_staff_of_any_branch(request.user, roles=BRANCH_ADMIN_ROLES):
            return False
        return obj is None or self._object_manageable(request, obj)

    def save_model(self, request, obj, form, change):
        role = services.staff_role_grant(
            actor=request.user, user=form.cleaned_data["mobile"], branch=form.cleaned_data["branch"],
            role=form.cleaned_data["role"],
        )
        obj.pk, obj.user, obj.created_at = role.pk, role.user, role.created_at

    def delete_model(self, request, obj):
        services.staff_role_revoke(actor=request.user, staff_role=obj)

    def delete_queryset(self, request, queryset):
        for staff_role in queryset.select_related("user", "branch"):
            services.staff_role_revoke(actor=request.user, staff_role=staff_role)


# --- Members ----------------------------------------------------------------------------------------------


class MemberAdminForm(forms.ModelForm):
    editable_fields = ["name", "mobile", "employer", "employment_type"]

    class Meta:
        model = Member
        fields = ["name", "mobile", "employer", "employment_type"]

    def clean_mobile(self):
        mobile = self.cleaned_data["mobile"]
        try:
            services.member_mobile_check(mobile=mobile, member_id=self.instance.pk)
        except services.MembershipError as error:
            raise forms.ValidationError(error.message) from None
        return mobile


def _member_status_action(change: str, description):
    @admin.action(description=description, permissions=["change"])
    def action(modeladmin, request, queryset):
        done = 0
        for member_id in queryset.values_list("pk", flat=True):
            with page_errors(request, level=messages.WARNING):
                services.member_status_change(actor=request.user, member_id=member_id, change=change)
                done += 1
        if done:
            modeladmin.message_user(request, gettext("已处理 %(count)d 位会员。") % {"count": done}, messages.SUCCESS)

    action.__name__ = f"member_{change}"
    return action


@admin.register(Member)
class MemberAdmin(BranchScopedAdmin):
    """Members of the staff member's subtree. The ID number is never searchable (it would go into the URL)
    and shows in full only on the change page, which only staff with scope over the member can open."""

    form = MemberAdminForm
    list_display = ["name", "member_number", "masked_id_number", "branch", "employment_type", "status", "joined_at"]
    list_select_related = ["branch"]
    list_filter = ["status", "employment_type"]
    search_fields = ["name", "member_number", "mobile"]
    ordering = ["-id"]
    readonly_fields = [
        "id_number", "birth_date", "gender", "branch", "member_number", "status", "applied_at", "joined_at",
        "left_at",
    ]
    fields = [
        "name", "id_number", "birth_date", "gender", "mobile", "employer", "employment_type", *readonly_fields[3:],
    ]
    actions = [
        _member_status_action("suspend", _("暂停所选会员")),
        _member_status_action("reinstate", _("恢复所选会员")),
        _member_status_action("leave", _("登记所选会员退会")),
        _member_status_action("transfer_out", _("登记所选会员转出本市")),
        export_members_xlsx,
    ]

    @admin.display(description=_("身份证号"))
    def masked_id_number(self, obj):
        return mask_id_number(obj.id_number)

    @admin.display(description=_("手机号码"))
    def masked_mobile(self, obj):
        return personal_data.mask_mobile(obj.mobile)

    def _sees(self, request, obj) -> bool:
        return obj is not None and personal_data.sees_personal_data(request.user, obj)

    def get_fields(self, request, obj=None):
        # Roles that do not need them (station, events managers…) see the ID number and mobile masked.
        if self._sees(request, obj):
            return self.fields
        swap = {"id_number": "masked_id_number", "mobile": "masked_mobile"}
        return [swap.get(name, name) for name in self.fields]

    def get_readonly_fields(self, request, obj=None):
        if self._sees(request, obj):
            return self.readonly_fields
        return [*self.readonly_fields, "masked_id_number", "masked_mobile"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        member = self.get_queryset(request).filter(pk=object_id).first()
        if member is not None and request.method == "GET" and self._sees(request, member):
            personal_data.personal_data_reveal(actor=request.user, member=member, where="admin")
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request):
        return False  # members come from applications and bulk imports, which validate and number them

    def has_export_permission(self, request):
        # The export carries full ID numbers: offered only to the roles the export page allows (branch admins).
        return user_is_staff_of_any_branch(request.user, roles=exports.EXPORT_ROLES)

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in MemberAdminForm.editable_fields}
        services.member_update(actor=request.user, member_id=obj.pk, **fields)


# --- Applications and transfers -----------------------------------------------------------------------


class RejectReasonForm(forms.Form):
    reason = forms.CharField(label=_("不通过的理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


def _reject_with_reason(modeladmin, request, queryset, *, reject, title):
    """An admin action that asks for a reason on an intermediate page before rejecting."""
    form = RejectReasonForm(request.POST if "reason" in request.POST else None)
    if form.is_bound and form.is_valid():
        done = 0
        for pk in queryset.values_list("pk", flat=True):
            with page_errors(request, level=messages.WARNING):
                reject(pk, form.cleaned_data["reason"])
                done += 1
        if done:
            modeladmin.message_user(request, gettext("已退回 %(count)d 份申请。") % {"count": done}, messages.SUCCESS)
        return None
    return TemplateResponse(
        request,
        "admin/members/reject_reason.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "form": form,
            "queryset": queryset,
            "action": request.POST.get("action"),
            "opts": modeladmin.model._meta,
        },
    )


@admin.register(MembershipApplication)
class MembershipApplicationAdmin(BranchScopedAdmin):
    view_roles = BRANCH_ADMIN_ROLES
    list_display = ["name", "branch", "employment_type", "status", "created_at", "decided_by", "reason"]
    list_select_related = ["branch", "decided_by"]
    list_filter = ["status", "employment_type"]
    search_fields = ["name", "branch__name"]
    readonly_fields = [
        "name", "branch", "employer", "employment_type", "status", "reason", "created_at", "decided_at", "decided_by",
    ]
    fields = readonly_fields
    actions = ["approve_selected", "reject_selected"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Decided through the actions (services), never edited: the page of one application is read-only.
        return obj is None and super().has_change_permission(request)

    @admin.action(description=_("批准所选申请"), permissions=["change"])
    def approve_selected(self, request, queryset):
        with page_errors(request):
            result = services.applications_decide(
                actor=request.user, application_ids=list(queryset.values_list("pk", flat=True)), approve=True
            )
            self.message_user(request, gettext("已批准 %(done)d 份申请。") % result, messages.SUCCESS)
            if result["skipped"]:
                self.message_user(request, gettext("%(skipped)d 份申请已处理过，已跳过。") % result, messages.WARNING)

    @admin.action(description=_("退回所选申请（需填写理由）"), permissions=["change"])
    def reject_selected(self, request, queryset):
        return _reject_with_reason(
            self, request, queryset, title=gettext("退回入会申请"),
            reject=lambda pk, reason: services.application_reject(
                actor=request.user, application_id=pk, reason=reason
            ),
        )


@admin.register(Transfer)
class TransferAdmin(BranchScopedAdmin):
    """Both sides see a transfer; only the receiving branch's admins decide it."""

    view_roles = BRANCH_ADMIN_ROLES
    list_display = ["member", "from_branch", "to_branch", "status", "created_at", "decided_by"]
    list_select_related = ["member", "from_branch", "to_branch", "decided_by"]
    list_filter = ["status"]
    search_fields = ["member__name", "member__member_number"]
    readonly_fields = [
        "member", "from_branch", "to_branch", "status", "note", "reason", "created_at", "decided_at", "decided_by",
    ]
    fields = readonly_fields
    actions = ["approve_selected", "reject_selected"]

    def scope_queryset(self, request, queryset, roles=None):
        scope = selectors.branches_in_scope(request.user, roles=roles)
        return queryset.filter(Q(to_branch__in=scope) | Q(from_branch__in=scope))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    @admin.action(description=_("批准所选转会"), permissions=["change"])
    def approve_selected(self, request, queryset):
        done = 0
        for pk in queryset.values_list("pk", flat=True):
            with page_errors(request, level=messages.WARNING):
                services.transfer_approve(actor=request.user, transfer_id=pk)
                done += 1
        if done:
            self.message_user(request, gettext("已批准 %(count)d 份转会。") % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("退回所选转会（需填写理由）"), permissions=["change"])
    def reject_selected(self, request, queryset):
        return _reject_with_reason(
            self, request, queryset, title=gettext("退回转会申请"),
            reject=lambda pk, reason: services.transfer_reject(actor=request.user, transfer_id=pk, reason=reason),
        )
