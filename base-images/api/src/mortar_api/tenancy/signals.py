"""Keep the host cache in step with Domain/Tenant changes."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from mortar_api.cms.caching import bump_hosts
from mortar_api.tenancy.models import Domain, Tenant
from mortar_api.tenancy.resolve import forget_hosts


@receiver(pre_save, sender=Domain)
def _remember_old_domain(sender: type[Domain], instance: Domain, **kwargs: object) -> None:
    if instance.pk:
        instance._old_domain = (
            Domain.objects.filter(pk=instance.pk).values_list("domain", flat=True).first()
        )


@receiver(post_save, sender=Domain)
@receiver(post_delete, sender=Domain)
def _forget_domain(sender: type[Domain], instance: Domain, **kwargs: object) -> None:
    hosts = [instance.domain, getattr(instance, "_old_domain", None) or ""]
    forget_hosts(*hosts)
    bump_hosts(hosts)  # the early API cache and web's pages of a moved/removed domain go


@receiver(post_save, sender=Tenant)
@receiver(post_delete, sender=Tenant)
def _forget_tenant_domains(sender: type[Tenant], instance: Tenant, **kwargs: object) -> None:
    if instance.pk:
        hosts = list(Domain.objects.filter(tenant_id=instance.pk).values_list("domain", flat=True))
        forget_hosts(*hosts)
        bump_hosts(hosts)  # a state saved through the model: cached answers go with it
