"""django-import-export resources: CSV/XLSX round trips of policies, bodies, provisions, targets.

Natural keys, not database ids, identify rows: a policy by its slug, a body by its slug, a
provision by (policy slug, eid). Lists inside a cell are joined with '；' (full-width semicolon),
which never occurs inside a body name or an author's name.
"""

from __future__ import annotations

from import_export import fields, resources, widgets

from policies.models import IssuingBody, Policy, PolicyBody, Provision, Target

LIST_SEPARATOR = "；"


class ProvisionInPolicyWidget(widgets.ForeignKeyWidget):
    """A provision named by its eid, looked up inside the row's policy (eids repeat across policies)."""

    def __init__(self) -> None:
        super().__init__(Provision, field="eid")

    def get_queryset(self, value, row, *args, **kwargs):
        return Provision.objects.filter(policy__slug=row.get("policy"))


class PolicyResource(resources.ModelResource):
    authors = fields.Field(
        attribute="authors",
        column_name="authors",
        widget=widgets.SimpleArrayWidget(separator=LIST_SEPARATOR),
    )
    # No attribute: import skips it, after_save_instance writes the ordered links instead.
    bodies = fields.Field(column_name="bodies")

    class Meta:
        model = Policy
        import_id_fields = ("slug",)
        # Run the model's validation (http(s)-only source_url, lengths) on every imported row.
        clean_model_instances = True
        fields = (
            "slug",
            "title",
            "short_title",
            "doc_number",
            "doc_agency_code",
            "doc_year",
            "doc_serial",
            "doc_type",
            "status",
            "issued_on",
            "published_on",
            "publisher",
            "source_url",
            "authors",
            "abstract",
            "comment_period_start",
            "comment_period_end",
            "is_stub",
            "bodies",
        )
        export_order = fields
        skip_unchanged = True

    def filter_export(self, queryset, **kwargs):
        return super().filter_export(queryset, **kwargs).with_bodies()

    def dehydrate_bodies(self, policy: Policy) -> str:
        """Issuing bodies in signature order, lead body first."""
        return LIST_SEPARATOR.join(link.body.name for link in policy.body_links.all())

    def skip_row(self, instance, original, row, import_validation_errors=None) -> bool:
        # "bodies" has no attribute, so the default comparison cannot see a change in it.
        if row.get("bodies") is not None and original is not None and original.pk is not None:
            current = LIST_SEPARATOR.join(body.name for body in original.ordered_bodies())
            if str(row["bodies"]).strip() != current:
                return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def after_save_instance(self, instance: Policy, row, **kwargs) -> None:
        """Replace the policy's bodies with the row's list, keeping its order.

        An unknown name fails the row; imports run in a transaction, so nothing half-written stays.
        """
        raw = row.get("bodies")
        if raw is None:
            return
        names = [name.strip() for name in str(raw).split(LIST_SEPARATOR) if name.strip()]
        found = {body.name: body for body in IssuingBody.objects.filter(name__in=names)}
        missing = [name for name in names if name not in found]
        if missing:
            raise ValueError(f"unknown issuing bodies: {'、'.join(missing)}")
        instance.body_links.all().delete()
        PolicyBody.objects.bulk_create(
            PolicyBody(policy=instance, body=found[name], order=order)
            for order, name in enumerate(names)
        )


class IssuingBodyResource(resources.ModelResource):
    aliases = fields.Field(
        attribute="aliases",
        column_name="aliases",
        widget=widgets.SimpleArrayWidget(separator=LIST_SEPARATOR),
    )

    class Meta:
        model = IssuingBody
        import_id_fields = ("slug",)
        fields = ("slug", "name", "aliases")
        export_order = fields
        skip_unchanged = True


def policy_by_slug() -> fields.Field:
    """Provisions and targets name their policy by its stable slug in files."""
    return fields.Field(
        attribute="policy", column_name="policy", widget=widgets.ForeignKeyWidget(Policy, "slug")
    )


class ProvisionResource(resources.ModelResource):
    policy = policy_by_slug()
    parent = fields.Field(
        attribute="parent", column_name="parent", widget=ProvisionInPolicyWidget()
    )

    class Meta:
        model = Provision
        import_id_fields = ("policy", "eid")
        fields = ("policy", "eid", "kind", "num", "heading", "text", "order", "depth", "parent")
        export_order = fields
        skip_unchanged = True

    def filter_export(self, queryset, **kwargs):
        return super().filter_export(queryset, **kwargs).select_related("policy", "parent")


class TargetResource(resources.ModelResource):
    policy = policy_by_slug()
    provision = fields.Field(
        attribute="provision", column_name="provision", widget=ProvisionInPolicyWidget()
    )

    class Meta:
        model = Target
        fields = (
            "id",
            "policy",
            "provision",
            "metric",
            "comparator",
            "value",
            "unit",
            "year",
            "sentence",
            "order",
        )
        export_order = fields

    def filter_export(self, queryset, **kwargs):
        return super().filter_export(queryset, **kwargs).select_related("policy", "provision")
