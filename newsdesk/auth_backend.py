"""Django's ModelBackend, reading a user's permissions in one query compiled once per process.

Django reads them in two queries (the user's own, their groups'), each compiled again on every
request: about a millisecond of every desk page, which asks at least once. What a user may do is
the same as with Django's: their own permissions and their groups', none for an inactive user,
every one for a superuser (Django's own path), read afresh on every request.
"""

import functools

from django.contrib.auth import backends
from django.contrib.auth.models import Group, Permission, User
from django.db.models import Q

from newsdesk.compiled import Compiled, compile_once


@functools.cache
def permissions_query() -> Compiled:
    def of(pk):
        own = User.user_permissions.through.objects.filter(user_id=pk).values("permission_id")
        groups = Group.permissions.through.objects.filter(group__user=pk).values("permission_id")
        return (Permission.objects.filter(Q(pk__in=own) | Q(pk__in=groups))
                .values_list("content_type__app_label", "codename").order_by())

    return compile_once(of)


class ModelBackend(backends.ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None or user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in permissions_query().rows(user_obj.pk)}
        return user_obj._perm_cache
