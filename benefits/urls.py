from django.urls import include, path

from . import views
from .aid import views as aid_views
from .claims import stays_views
from .claims import views as claims_views

app_name = "benefits"

urlpatterns = [
    path("", views.plan_list, name="plans"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan"),
    path("plans/<int:plan_id>/enrol/", views.plan_enrol, name="plan-enrol"),
    path("enrolments/<int:enrolment_id>/", views.enrolment_detail, name="enrolment"),
    path("enrolments/<int:enrolment_id>/pay/", views.enrolment_pay, name="enrolment-pay"),
    path("enrolments/<int:enrolment_id>/renew/", views.enrolment_renew, name="enrolment-renew"),
    path("my-cover/", views.my_cover, name="my-cover"),
    path("pay/sandbox/<uuid:token>/", views.sandbox_gateway, name="sandbox-gateway"),
    path("payments/sandbox/callback/", views.sandbox_callback, name="sandbox-callback"),
    path("payments/wechatpay/notify/", views.wechatpay_notify, name="wechatpay-notify"),
    path("payments/<int:payment_id>/receipt.pdf", views.payment_receipt, name="receipt"),
    path("staff/", views.staff_report, name="staff"),
    path("staff/export.xlsx", views.staff_export, name="staff-export"),
    path("staff/unpaid/", views.staff_unpaid, name="staff-unpaid"),
    path("staff/enrolments/<int:enrolment_id>/payment/", views.staff_record_payment, name="staff-record-payment"),
    path("staff/group/", views.staff_group_enrol, name="staff-group"),
    path("staff/receipts.pdf", views.staff_receipts, name="staff-receipts"),
    path("claims/", claims_views.claim_list, name="claims"),
    path("claims/new/", claims_views.claim_new, name="claim-new"),
    path("claims/<int:claim_id>/", claims_views.claim_detail, name="claim"),
    path("claims/stays/new/", stays_views.stay_new, name="stay-new"),
    path("claims/stays/<int:stay_id>/", stays_views.stay_detail, name="stay"),
    path("claims/stays/<int:stay_id>/documents/", stays_views.stay_document_upload, name="stay-document-upload"),
    path("claims/stays/<int:stay_id>/documents/<uuid:token>/remove/", stays_views.stay_document_remove,
         name="stay-document-remove"),
    path("claims/stays/<int:stay_id>/submit/", stays_views.stay_submit, name="stay-submit"),
    path("claims/<int:claim_id>/edit/", claims_views.claim_edit, name="claim-edit"),
    path("claims/<int:claim_id>/documents/", claims_views.claim_document_upload, name="claim-document-upload"),
    path("claims/<int:claim_id>/documents/<uuid:token>/remove/", claims_views.claim_document_remove,
         name="claim-document-remove"),
    path("claims/<int:claim_id>/submit/", claims_views.claim_submit, name="claim-submit"),
    path("claims/<int:claim_id>/withdraw/", claims_views.claim_withdraw, name="claim-withdraw"),
    path("claims/<int:claim_id>/letter.pdf", claims_views.claim_letter, name="claim-letter"),
    path("claims/documents/<uuid:token>/", claims_views.document_view, name="claim-document"),
    path("letters/verify/<str:token>/", claims_views.letter_verify, name="letter-verify"),
    path("aid/", aid_views.aid_list, name="aid-list"),
    path("aid/new/", aid_views.aid_new, name="aid-new"),
    path("aid/figures/", aid_views.aid_figures, name="aid-figures"),
    path("aid/documents/<uuid:token>/", aid_views.aid_document, name="aid-document"),
    path("aid/<int:application_id>/", aid_views.aid_detail, name="aid"),
    path("aid/<int:application_id>/edit/", aid_views.aid_edit, name="aid-edit"),
    path("aid/<int:application_id>/documents/", aid_views.aid_document_upload, name="aid-document-upload"),
    path("aid/<int:application_id>/documents/<uuid:token>/remove/", aid_views.aid_document_remove,
         name="aid-document-remove"),
    path("aid/<int:application_id>/submit/", aid_views.aid_submit, name="aid-submit"),
    path("aid/<int:application_id>/withdraw/", aid_views.aid_withdraw, name="aid-withdraw"),
    path("aid/<int:application_id>/letter.pdf", aid_views.aid_letter, name="aid-letter"),
    path("hardship/", include("benefits.hardship.urls")),
]
