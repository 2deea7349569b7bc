from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import gdpr_views, geocoding_views, mfa_views, views
from accounts.forms import LoginForm

app_name = "accounts"
urlpatterns = [
    path(
        "connexion/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("inscription/", views.register, name="register"),
    path("inscription/envoyee/", views.register_done, name="register_done"),
    path("inscription/lien/", views.resend_verification, name="resend_verification"),
    path("verifier/<uidb64>/<token>/", views.verify_email, name="verify_email"),
    path("inscrire-un-voisin/", views.register_neighbour, name="register_neighbour"),
    path("profil/", views.profile, name="profile"),
    path("adresse/", views.address, name="address"),
    path("telephones/", views.phones, name="phones"),
    path("courriel/", views.email_change, name="email_change"),
    path(
        "courriel/confirmer/<str:token>/",
        views.email_change_confirm,
        name="email_change_confirm",
    ),
    path("mot-de-passe/changer/", views.PasswordChangeView.as_view(), name="password_change"),
    path("fermer/", gdpr_views.close, name="close"),
    path("fermer/termine/", gdpr_views.close_done, name="close_done"),
    path("mes-donnees/", gdpr_views.data_export, name="data_export"),
    path("double-authentification/", mfa_views.manage, name="mfa_manage"),
    path("double-authentification/activer/", mfa_views.setup, name="mfa_setup"),
    path("double-authentification/verifier/", mfa_views.verify, name="mfa_verify"),
    path("adresse/recherche/", geocoding_views.address_search, name="address_search"),
    path("mot-de-passe/oublie/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "mot-de-passe/oublie/envoye/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/termine/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
