"""The forms every kind of reviewed application shares on the member's side: documents (several files at once)
and withdrawing."""

from django import forms
from django.utils.translation import gettext_lazy as _


class MultipleFileInput(forms.FileInput):
    """A file picker that takes several files at once (`multiple`)."""

    allow_multiple_selected = True


class MultipleFilesField(forms.FileField):
    """The files of one post as a list. Each file is checked by the service that keeps it (size, type from its
    bytes), so one bad file is named with its reason while the others are kept, instead of failing the form."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def to_python(self, data):
        files = data if isinstance(data, list | tuple) else [data]
        return [file for file in files if file]

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def clean(self, data, initial=None):
        value = self.to_python(data)
        self.validate(value)
        return value


# What a phone's picker offers for this field: the photo album, the camera and the files (e-invoices as PDF). No
# `capture` attribute, which would open the camera only; `image/*` lets iPhones hand over HEIC photos as they are.
DOCUMENT_ACCEPT = "image/*,application/pdf"


class DocumentUploadForm(forms.Form):
    """One kind of document, one file or several. A kind's form names its document kinds in `kinds`."""

    kinds: list[tuple[str, str]] = []
    kind = forms.ChoiceField(label=_("材料种类"))
    file = MultipleFilesField(
        label=_("文件"),
        help_text=_("可从相册选择、拍照或选择文件，一次可选多个；JPEG、PNG、HEIC 照片或 PDF，每个不超过 10 MB。"),
        error_messages={"required": _("请选择要上传的文件。")},
        widget=MultipleFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )

    def __init__(self, *args, initial_kind: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = self.kinds
        if initial_kind:
            self.fields["kind"].initial = initial_kind


class WithdrawForm(forms.Form):
    message = forms.CharField(label=_("撤回原因（可不填）"), required=False, max_length=500)
    # One tap must not end a claim: withdrawing cannot be undone (a new claim can be filed instead).
    confirm = forms.BooleanField(
        label=_("我确认撤回：撤回后这份申请不能恢复，需要时可以重新申请。"),
        error_messages={"required": _("请先勾选确认，再撤回申请。")},
    )
