"""Keep the index in step with edits made through the ORM (admin, API, shell).

Edits only note which policies changed; the index is rebuilt for them once, when the
transaction commits (``transaction.on_commit``), however many rows the edit saved — an admin
save of a policy with 40 inline provisions re-indexes the policy once, not 41 times. Outside a
transaction (autocommit) on_commit runs at once. The loader writes with bulk_create (no
signals) and calls search.indexing.index_policies itself. Entries of a deleted provision or
policy go with it (ON DELETE CASCADE in the ORM).
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from policies.models import IssuingBody, Policy, PolicyBody, Provision
from search.indexing import bump_catalog_version, index_policies

# Per connection: the policies waiting for the commit, whether a catalog bump is pending, and
# the callback registered for them.
_ATTR = "_search_pending_reindex"


def _pending() -> dict:
    pending = getattr(connection, _ATTR, None)
    if pending is None:
        pending = {"policies": set(), "bump": False, "callback": None}
        setattr(connection, _ATTR, pending)
    return pending


def _registered(callback) -> bool:
    return callback is not None and any(entry[1] is callback for entry in connection.run_on_commit)


def _schedule(policy_ids=(), *, bump: bool = False) -> None:
    """Note the policies; register one callback per transaction to re-index them on commit.

    A callback still registered (not run, not discarded by a rollback) collects further edits;
    otherwise what is pending belongs to a rolled-back transaction and is dropped.
    """
    pending = _pending()
    if not (connection.in_atomic_block and _registered(pending["callback"])):
        pending.update(policies=set(), bump=False)

        def flush() -> None:
            policies, needs_bump = set(pending["policies"]), pending["bump"]
            pending.update(policies=set(), bump=False, callback=None)
            existing = list(Policy.objects.filter(pk__in=policies).values_list("pk", flat=True))
            if existing:
                index_policies(existing)
            elif needs_bump:
                bump_catalog_version()

        pending["callback"] = flush
        pending["policies"].update(policy_ids)
        pending["bump"] = bump
        transaction.on_commit(flush)  # outside a transaction: runs at once
        return
    pending["policies"].update(policy_ids)
    pending["bump"] = pending["bump"] or bump


def settled(policy_ids) -> None:
    """These policies were just indexed in this transaction: drop them from what its commit
    would re-index (edits saved after this call queue them again)."""
    pending = getattr(connection, _ATTR, None)
    if pending is not None:
        pending["policies"].difference_update(policy_ids)


def reindex_on_commit(policy_ids) -> None:
    """Re-index these policies once, after the current transaction commits."""
    _schedule(policy_ids)


@receiver(post_save, sender=Provision, dispatch_uid="search_provision_saved")
def provision_saved(sender, instance: Provision, raw: bool = False, **kwargs) -> None:
    if not raw:
        # The whole policy: a heading change is context for the provision's descendants.
        _schedule([instance.policy_id])


@receiver(post_save, sender=Policy, dispatch_uid="search_policy_saved")
def policy_saved(sender, instance: Policy, raw: bool = False, **kwargs) -> None:
    if not raw:
        _schedule([instance.pk])


@receiver(post_save, sender=PolicyBody, dispatch_uid="search_policy_body_saved")
@receiver(post_delete, sender=PolicyBody, dispatch_uid="search_policy_body_deleted")
def policy_body_changed(sender, instance: PolicyBody, raw: bool = False, **kwargs) -> None:
    if not raw:
        _schedule([instance.policy_id])


@receiver(m2m_changed, sender=Policy.bodies.through, dispatch_uid="search_policy_bodies_m2m")
def policy_bodies_m2m(sender, instance, action: str, **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"} and isinstance(instance, Policy):
        _schedule([instance.pk])


@receiver(post_save, sender=IssuingBody, dispatch_uid="search_body_saved")
def body_saved(sender, instance: IssuingBody, raw: bool = False, **kwargs) -> None:
    """Names and aliases are context of every policy the body issued, and alias expansions."""
    if raw:
        return
    policy_ids = list(instance.policy_links.values_list("policy_id", flat=True))
    _schedule(policy_ids, bump=True)


@receiver(post_delete, sender=Provision, dispatch_uid="search_provision_deleted")
@receiver(post_delete, sender=Policy, dispatch_uid="search_policy_deleted")
@receiver(post_delete, sender=IssuingBody, dispatch_uid="search_body_deleted")
def record_deleted(sender, instance, **kwargs) -> None:
    _schedule(bump=True)
