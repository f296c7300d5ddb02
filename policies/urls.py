"""Pages: the policy list (also the home page), a policy, issuing bodies, targets, comparison,
key terms, clause short links, feeds and exports."""

from __future__ import annotations

from django.urls import path

from policies import feeds, views

app_name = "policies"
urlpatterns = [
    path("", views.policy_list, name="home"),
    path("policies/", views.policy_list, name="list"),
    path("policies/<slug:slug>/", views.policy_detail, name="detail"),
    path("p/<slug:slug>/<str:eid>", views.clause_redirect, name="clause"),
    path("bodies/", views.body_list, name="body_list"),
    path("bodies/<slug:slug>/", views.body_detail, name="body"),
    path("targets/", views.targets_page, name="targets"),
    path("compare/", views.compare_page, name="compare"),
    path("terms/<path:term>/", views.key_term_page, name="term"),
    path("export/<str:what>.<str:fmt>", views.export, name="export"),
    path("feeds/policies.atom", views.reject_nul(feeds.PolicyFeed()), name="feed"),
    path("feeds/bodies/<slug:slug>.atom", views.reject_nul(feeds.BodyFeed()), name="feed_body"),
    path("feeds/types/<str:doc_type>.atom", views.reject_nul(feeds.TypeFeed()), name="feed_type"),
    path("feeds/search.atom", views.reject_nul(feeds.SearchFeed()), name="feed_search"),
]
