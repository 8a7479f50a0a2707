from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from newsdesk.admin_login import MaintainerLoginForm
from newsdesk.views import favicon, healthz, language_choose

admin.site.login_form = MaintainerLoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("language/", language_choose, name="language"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("desk/", include("annotations.urls")),
    path("", include("articles.urls")),
]

handler500 = "newsdesk.views.server_error"
