"""Admin: every policies model is browsable; policies export to CSV with ordered bodies."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib import admin
from django.urls import reverse

from policies.models import Policy, Provision

pytestmark = pytest.mark.django_db

DATA_INDUSTRY = "发改数据〔2024〕1836号"


def test_every_policies_model_is_registered_with_search_and_filters():
    from django.apps import apps

    for model in apps.get_app_config("policies").get_models():
        model_admin = admin.site._registry.get(model)
        assert model_admin is not None, model
        assert model_admin.search_fields and model_admin.list_filter, model


def test_changelists_open(admin_client):
    for model in admin.site._registry:
        if model._meta.app_label != "policies":
            continue
        url = reverse(f"admin:policies_{model._meta.model_name}_changelist")
        assert admin_client.get(url).status_code == 200, url
        assert admin_client.get(url, {"q": "数据"}).status_code == 200, url


def test_policy_change_page_has_inlines(admin_client):
    policy = Policy.objects.get(doc_number=DATA_INDUSTRY)
    response = admin_client.get(reverse("admin:policies_policy_change", args=[policy.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    first = policy.provisions.order_by("order").first()
    assert f'value="{first.eid}"' in page
    assert f'name="provisions-TOTAL_FORMS" value="{policy.provisions.count()}"' in page
    assert 'name="body_links-TOTAL_FORMS" value="6"' in page


def test_provision_change_page_opens(admin_client):
    provision = Provision.objects.filter(parent__isnull=False).first()
    url = reverse("admin:policies_provision_change", args=[provision.pk])
    assert admin_client.get(url).status_code == 200


def export_csv(admin_client, model_name: str, resource_name: str) -> list[dict[str, str]]:
    url = reverse(f"admin:policies_{model_name}_export")
    form = admin_client.get(url).context["form"]
    csv_index = next(value for value, label in form.fields["format"].choices if label == "csv")
    data = {"format": csv_index, "resource": 0}
    data |= {name: "on" for name in form.fields if name.startswith(resource_name + "_")}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_policy_export_csv(admin_client):
    rows = export_csv(admin_client, "policy", "policyresource")
    row = next(r for r in rows if r["doc_number"] == DATA_INDUSTRY)
    assert row["bodies"] == "国家发展改革委；国家数据局；教育部；财政部；金融监管总局；中国证监会"
    assert len(rows) == Policy.objects.count()


def test_provision_export_uses_natural_keys(admin_client):
    policy = Policy.objects.get(doc_number=DATA_INDUSTRY)
    rows = export_csv(admin_client, "provision", "provisionresource")
    mine = [r for r in rows if r["policy"] == policy.slug]
    child = policy.provisions.filter(parent__isnull=False).select_related("parent").first()
    row = next(r for r in mine if r["eid"] == child.eid)
    assert row["parent"] == child.parent.eid
    assert len(mine) == policy.provisions.count()


def test_policy_import_round_trip_and_unknown_body_rolls_back():
    from import_export.formats.base_formats import CSV

    from policies.resources import PolicyResource

    policy = Policy.objects.get(doc_number=DATA_INDUSTRY)
    exported = PolicyResource().export(Policy.objects.filter(pk=policy.pk))
    result = PolicyResource().import_data(exported, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert [b.name for b in Policy.objects.get(pk=policy.pk).ordered_bodies()] == (
        exported.dict[0]["bodies"].split("；")
    )

    text = CSV().export_data(exported).replace("中国证监会", "不存在的机关")
    bad = PolicyResource().import_data(CSV().create_dataset(text), dry_run=False)
    assert bad.has_errors()
    assert len(Policy.objects.get(pk=policy.pk).ordered_bodies()) == 6
