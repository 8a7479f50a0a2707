"""The admin's log-in form: an editor who comes to /admin/ is told where the desk is.

Django's own form answers an editor's right password as if it were wrong ("enter the correct
username and password for a staff account"). This says so only once the password has been
checked, so it tells nothing to someone guessing.
"""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class MaintainerLoginForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "not_a_maintainer": _(
            "The password is right, but the admin is for maintainers and “%(username)s” is not one. "
            "Editors work in the desk: %(desk)s"
        ),
    }

    def confirm_login_allowed(self, user) -> None:
        AuthenticationForm.confirm_login_allowed(self, user)  # an inactive account, as Django says it
        if not user.is_staff:
            raise ValidationError(
                self.error_messages["not_a_maintainer"], code="not_a_maintainer",
                params={"username": user.get_username(), "desk": self.request.build_absolute_uri(reverse("desk:inbox"))},
            )
