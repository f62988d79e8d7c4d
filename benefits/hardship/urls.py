"""Routes of the hardship pages, included under /benefits/hardship/ in the benefits namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.mine, name="hardship"),
    path("file/", views.family_file, name="hardship-file"),
    path("update/", views.family_update, name="hardship-update"),
    path("household/", views.household_add, name="hardship-household-add"),
    path("household/<int:person_id>/remove/", views.household_remove, name="hardship-household-remove"),
    path("documents/", views.document_upload, name="hardship-document-upload"),
    path("documents/<uuid:token>/", views.document_view, name="hardship-document"),
    path("documents/<uuid:token>/remove/", views.document_remove, name="hardship-document-remove"),
    path("leave/", views.family_leave, name="hardship-leave"),
    path("staff/", views.staff_list, name="hardship-staff"),
    path("staff/new/", views.staff_file, name="hardship-staff-file"),
    path("staff/notices/", views.staff_notices, name="hardship-staff-notices"),
    path("staff/care/", views.staff_care_due, name="hardship-staff-care"),
    path("staff/statistics/", views.staff_statistics, name="hardship-staff-statistics"),
    path("staff/statistics.xlsx", views.staff_statistics_xlsx, name="hardship-staff-statistics-xlsx"),
    path("staff/statistics.csv", views.staff_statistics_csv, name="hardship-staff-statistics-csv"),
    path("staff/<int:family_id>/", views.staff_family, name="hardship-staff-family"),
    path("staff/<int:family_id>/visit/", views.staff_visit, name="hardship-staff-visit"),
    path("staff/<int:family_id>/notice/", views.staff_notice, name="hardship-staff-notice"),
    path("staff/<int:family_id>/objection/", views.staff_objection, name="hardship-staff-objection"),
    path("staff/<int:family_id>/objection/<int:objection_id>/resolve/", views.staff_objection_resolve,
         name="hardship-staff-objection-resolve"),
    path("staff/<int:family_id>/confirm/", views.staff_confirm, name="hardship-staff-confirm"),
    path("staff/<int:family_id>/recheck/", views.staff_recheck, name="hardship-staff-recheck"),
    path("staff/<int:family_id>/leave/", views.staff_leave, name="hardship-staff-leave"),
    path("staff/<int:family_id>/update/", views.staff_update, name="hardship-staff-update"),
    path("staff/<int:family_id>/household/", views.staff_household_add, name="hardship-staff-household-add"),
    path("staff/<int:family_id>/documents/", views.staff_document_upload, name="hardship-staff-document-upload"),
    path("staff/<int:family_id>/care/", views.staff_care_plan, name="hardship-staff-care-plan"),
    path("staff/<int:family_id>/care/<int:visit_id>/done/", views.staff_care_done, name="hardship-staff-care-done"),
]
