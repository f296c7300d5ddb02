"""Pages: the policy list (also the home page), a policy, the issuing bodies."""

from __future__ import annotations

from django.urls import path

from policies import views

app_name = "policies"
urlpatterns = [
    path("", views.policy_list, name="home"),
    path("policies/", views.policy_list, name="list"),
    path("policies/<slug:slug>/", views.policy_detail, name="detail"),
    path("bodies/", views.body_list, name="body_list"),
    path("bodies/<slug:slug>/", views.body_detail, name="body"),
]
