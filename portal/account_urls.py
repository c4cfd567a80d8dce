from django.contrib.auth import views as auth_views
from django.urls import path

from portal import account_views

app_name = "accounts"

urlpatterns = [
    path("login/", account_views.PortalLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("register/", account_views.register, name="register"),
    path("real-name/", account_views.real_name, name="real_name"),
    path("profile/", account_views.profile, name="profile"),
    path("otp/", account_views.otp_verify, name="otp_verify"),
    path("organizations/register/", account_views.register_agent, name="register_agent"),
    path("agents/<int:agent_id>/letter/", account_views.authorization_letter, name="authorization_letter"),
    path("agents/<int:agent_id>/revoke/", account_views.revoke_agent, name="revoke_agent"),
    path("agents/<int:agent_id>/confirm/", account_views.confirm_agent, name="confirm_agent"),
    path("agents/window/", account_views.window_agents, name="window_agents"),
]
