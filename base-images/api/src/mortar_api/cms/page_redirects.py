"""301s from a published page's old address when the page moves (as Wagtail does).

A page's address changes when it is moved in the tree, its parent or slug is changed (admin
form, editor API) or a revision with another parent or slug is restored; ``Page.save()``
then re-saves each sub-page, so every published page below gets its own redirect too.
Rules: an existing redirect of the old address is left alone; a redirect *from* the new
address is removed (the page lives there now, and it could only loop back); redirects that
pointed to the old address are pointed to the new one (no chains).
"""

from __future__ import annotations

import logging

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from .models import Page, Redirect, normalise_path

log = logging.getLogger(__name__)


def public_url(path: str) -> str:
    """The language-neutral address of a page path (``about/team`` → ``/about/team/``)."""
    return normalise_path(path)


@receiver(pre_save, sender=Page, dispatch_uid="cms_page_remember_public_path")
def _remember_public_path(sender, instance: Page, raw: bool = False, **kwargs) -> None:
    instance._old_public_path = None
    if raw or not instance.pk:
        return
    row = Page.objects.filter(pk=instance.pk).values_list("path", "status").first()
    if row is not None and row[1] == Page.Status.PUBLISHED:
        instance._old_public_path = row[0]


@receiver(post_save, sender=Page, dispatch_uid="cms_page_redirect_old_path")
def _redirect_old_path(sender, instance: Page, raw: bool = False, **kwargs) -> None:
    old = getattr(instance, "_old_public_path", None)
    instance._old_public_path = None
    if raw or not old or old == instance.path or not instance.is_published:
        return
    add_move_redirect(public_url(old), public_url(instance.path))


def add_move_redirect(old_url: str, new_url: str) -> Redirect | None:
    """A 301 ``old_url`` → ``new_url``; None when one for ``old_url`` already exists."""
    limit = Redirect._meta.get_field("old_path").max_length
    if len(old_url) > limit or len(new_url) > limit:
        log.warning("no redirect %s -> %s: longer than %d characters", old_url, new_url, limit)
        return None
    Redirect.objects.filter(old_path=new_url).delete()
    Redirect.objects.filter(new_path=old_url).update(new_path=new_url)
    redirect, created = Redirect.objects.get_or_create(
        old_path=old_url, defaults={"new_path": new_url, "status_code": Redirect.Kind.PERMANENT}
    )
    return redirect if created else None
