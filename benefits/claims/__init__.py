"""Claims of the mutual-aid plan (补助申请): services, selectors, member pages, the API, hospital stays, private
document links, decision letters and their checks, the bank file. The models live in `benefits.models.claims`, the
admin screens in `benefits.admin.claims` (one app label, `benefits`)."""
