from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zhengcai.organizations.models import EnterpriseSize, OrganizationKind
from zhengcai.organizations.selectors import region_list


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or credit code"), required=False, max_length=100)
    region = forms.ChoiceField(label=_("Region"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *OrganizationKind.choices]
    )
    size = forms.ChoiceField(
        label=_("Enterprise size"), required=False, choices=[("", _("All sizes")), *EnterpriseSize.choices]
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["region"].choices = [("", _("All regions"))] + [  # type: ignore[attr-defined]
            (r.code, r.name) for r in region_list()
        ]


class SupplierRegistrationForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=30,
        help_text=_("18 characters, as printed on the business licence (GB 32100-2015)."),
    )
    region = forms.ModelChoiceField(label=_("Registered in"), queryset=region_list())
    size = forms.ChoiceField(
        label=_("Enterprise size"),
        choices=EnterpriseSize.choices,
        help_text=_("As declared in the SME declaration letter (中小企业声明函)."),
    )
    business_scope = forms.CharField(label=_("Business scope"), widget=forms.Textarea(attrs={"rows": 3}))
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=100)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40)
    contact_email = forms.EmailField(label=_("Contact e-mail"))
    username = forms.CharField(label=_("User name for logging in"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data
