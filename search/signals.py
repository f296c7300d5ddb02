"""Keep the index in step with edits made through the ORM (admin, API, shell).

The loader writes with bulk_create (no signals) and calls search.indexing.index_policies itself.
Entries of a deleted provision or policy go with it (ON DELETE CASCADE in the ORM).
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from policies.models import IssuingBody, Policy, PolicyBody, Provision
from search.indexing import bump_catalog_version, index_policies


@receiver(post_save, sender=Provision, dispatch_uid="search_provision_saved")
def provision_saved(sender, instance: Provision, raw: bool = False, **kwargs) -> None:
    if not raw:
        # The whole policy: a heading change is context for the provision's descendants.
        index_policies([instance.policy_id])


@receiver(post_save, sender=Policy, dispatch_uid="search_policy_saved")
def policy_saved(sender, instance: Policy, raw: bool = False, **kwargs) -> None:
    if not raw:
        index_policies([instance.pk])


@receiver(post_save, sender=PolicyBody, dispatch_uid="search_policy_body_saved")
@receiver(post_delete, sender=PolicyBody, dispatch_uid="search_policy_body_deleted")
def policy_body_changed(sender, instance: PolicyBody, raw: bool = False, **kwargs) -> None:
    if not raw and Policy.objects.filter(pk=instance.policy_id).exists():
        index_policies([instance.policy_id])


@receiver(m2m_changed, sender=Policy.bodies.through, dispatch_uid="search_policy_bodies_m2m")
def policy_bodies_m2m(sender, instance, action: str, **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"} and isinstance(instance, Policy):
        index_policies([instance.pk])


@receiver(post_save, sender=IssuingBody, dispatch_uid="search_body_saved")
def body_saved(sender, instance: IssuingBody, raw: bool = False, **kwargs) -> None:
    """Names and aliases are context of every policy the body issued, and alias expansions."""
    if raw:
        return
    policy_ids = list(instance.policy_links.values_list("policy_id", flat=True))
    if policy_ids:
        index_policies(policy_ids)
    else:
        bump_catalog_version()


@receiver(post_delete, sender=Provision, dispatch_uid="search_provision_deleted")
@receiver(post_delete, sender=Policy, dispatch_uid="search_policy_deleted")
@receiver(post_delete, sender=IssuingBody, dispatch_uid="search_body_deleted")
def record_deleted(sender, instance, **kwargs) -> None:
    bump_catalog_version()
