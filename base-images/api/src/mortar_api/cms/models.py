from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from .blocks.page import clean_block_columns, validate_block_columns
from .html import sanitise_html
from .languages import SUPPORTED_LANGUAGES
from .search_index import generated_field, vector_field

IMAGE_FK = {"to": "media.MediaAsset", "null": True, "blank": True, "on_delete": models.SET_NULL}


class SiteSettings(models.Model):
    """One row per tenant (pk is always 1): what every page frame shows."""

    site_name = models.CharField(max_length=200, blank=True)
    tagline = models.CharField(max_length=300, blank=True)
    logo = models.ForeignKey(**IMAGE_FK, related_name="+")
    hero = models.ForeignKey(
        "cms.Hero", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The site-wide hero (pages may set their own).",
    )  # fmt: skip
    seo_title = models.CharField("default SEO title", max_length=200, blank=True)
    seo_description = models.CharField("default SEO description", max_length=300, blank=True)
    contact_email = models.EmailField(blank=True, help_text="Where contact messages are sent.")
    analytics_id = models.CharField(max_length=100, blank=True)
    social_links = models.JSONField(
        default=list, blank=True, help_text='A list like [{"network": "x", "url": "https://..."}].'
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "site settings"

    def __str__(self) -> str:
        return self.site_name or "Site settings"

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    def clean(self) -> None:
        links = self.social_links
        ok = isinstance(links, list) and all(
            isinstance(i, dict)
            and set(i) == {"network", "url"}
            and all(isinstance(v, str) for v in i.values())
            for i in links
        )
        if not ok:
            raise ValidationError(
                {"social_links": 'Expected a list of {"network": "...", "url": "..."} objects.'}
            )

    @classmethod
    def load(cls) -> SiteSettings:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class Hero(models.Model):
    name = models.CharField(max_length=100, help_text="Internal name, shown in the admin.")
    title = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    button_label = models.CharField(max_length=100, blank=True)
    button_link = models.CharField(max_length=500, blank=True)
    background_image = models.ForeignKey(**IMAGE_FK, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "heroes"

    def __str__(self) -> str:
        return self.name


class PageQuerySet(models.QuerySet):
    def published(self) -> PageQuerySet:
        return self.filter(status=Page.Status.PUBLISHED)


SEARCH_FIELDS = tuple(vector_field(lang) for lang in SUPPORTED_LANGUAGES)


class PageManager(models.Manager.from_queryset(PageQuerySet)):
    def get_queryset(self) -> PageQuerySet:
        # The search columns (cms.search_index) are read only by searches, which name them:
        # never load several tsvectors with every page.
        return super().get_queryset().defer(*SEARCH_FIELDS)


class Page(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, allow_unicode=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Denormalised nested slug path ("about/team"), kept in step by save(); indexed for lookups.
    path = models.CharField(max_length=500, unique=True, editable=False)
    body = models.TextField(blank=True, help_text="Rich text; sanitised on save.")
    # Typed content blocks (cms.blocks validates them), shown after the body.
    blocks = models.JSONField(default=list, blank=True, help_text="Content blocks, in order.")
    hero = models.ForeignKey(
        Hero, null=True, blank=True, on_delete=models.SET_NULL, related_name="pages"
    )
    seo_title = models.CharField(max_length=200, blank=True)
    seo_description = models.CharField(max_length=300, blank=True)
    seo_image = models.ForeignKey(**IMAGE_FK, related_name="+")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    publish_at = models.DateTimeField(
        null=True, blank=True, help_text="Publish automatically at this time."
    )
    unpublish_at = models.DateTimeField(
        null=True, blank=True, help_text="Unpublish automatically at this time."
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_home = models.BooleanField(default=False, help_text="The site's home page (only one).")
    order = models.PositiveIntegerField(default=0)
    # Review before publish: an Editor submits, a Publisher publishes (and is recorded).
    review_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    review_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )  # fmt: skip
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False, help_text="Who published the current version.",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PageManager()

    class Meta:
        ordering = ["order", "path"]
        permissions = [
            ("publish_page", "Can publish, unpublish and schedule pages and restore revisions"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["parent", "slug"], name="cms_page_slug_per_parent"),
            models.UniqueConstraint(
                fields=["slug"], condition=Q(parent__isnull=True), name="cms_page_slug_root"
            ),
            models.UniqueConstraint(
                fields=["is_home"], condition=Q(is_home=True), name="cms_page_one_home"
            ),
        ]
        # fastupdate off: a save updates the index at once instead of queueing the page in
        # GIN's pending list, which every search scans until a vacuum (pages are saved
        # rarely and searched often; a bulk import left searches 100x slower until then).
        indexes = [
            GinIndex(fields=[f], name=f"cms_page_{f}", fastupdate=False) for f in SEARCH_FIELDS
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, revision_note: str = "", revision_user=None, **kwargs) -> None:
        from .revisions import record_revision

        for field in self._meta.concrete_fields:  # body and every body_<lang> column
            if field.name == "body" or field.name.startswith("body_"):
                setattr(self, field.attname, sanitise_html(getattr(self, field.attname)))
        clean_block_columns(self)  # every path (admin, API, tasks, shell): never stored bad
        if self.is_published and self.published_at is None:
            self.published_at = timezone.now()
        old_path = self.path
        self.path = self.compute_path()
        with transaction.atomic():
            if self.is_home:  # exactly one home: demote the previous one first
                Page.objects.filter(is_home=True).exclude(pk=self.pk).update(is_home=False)
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                for child in self.children.all():
                    child.save(revision_note="parent moved")
            record_revision(self, note=revision_note, user=revision_user)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def compute_path(self) -> str:
        return f"{self.parent.path}/{self.slug}" if self.parent_id else self.slug

    def validate_constraints(self, exclude: set[str] | None = None) -> None:
        # save() moves the home flag from the old home page, so a second home is not an error.
        super().validate_constraints(exclude={*(exclude or ()), "is_home"})

    def clean(self) -> None:
        validate_block_columns(self)
        ancestor = self.parent
        while ancestor is not None:
            if self.pk and ancestor.pk == self.pk:
                raise ValidationError({"parent": "A page cannot be its own ancestor."})
            ancestor = ancestor.parent
        if self.publish_at and self.unpublish_at and self.unpublish_at <= self.publish_at:
            raise ValidationError({"unpublish_at": "Must be later than publish_at."})

    def breadcrumbs(self) -> list[Page]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


# search_en, search_ar...: the full-text index, a generated column per language.
for _lang in SUPPORTED_LANGUAGES:
    Page.add_to_class(vector_field(_lang), generated_field(_lang))


class PageRevision(models.Model):
    """A snapshot of a page's editable fields (every language) taken on save."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="revisions")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    data = models.JSONField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.page} @ {self.created_at:%Y-%m-%d %H:%M:%S}"


class MenuItem(models.Model):
    class Location(models.TextChoices):
        HEADER = "header", "Header"
        FOOTER = "footer", "Footer"

    location = models.CharField(max_length=10, choices=Location.choices, default=Location.HEADER)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    label = models.CharField(max_length=100)
    page = models.ForeignKey(
        Page, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    url = models.CharField(max_length=500, blank=True, help_text="Used when no page is chosen.")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["location", "order", "id"]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if bool(self.page_id) == bool(self.url):
            raise ValidationError("Link either to a page or to a URL (exactly one).")
        if self.parent_id and self.parent.location != self.location:
            raise ValidationError({"parent": "The parent must be in the same menu."})


class Partner(models.Model):
    name = models.CharField(max_length=200)
    logo = models.ForeignKey(**IMAGE_FK, related_name="+")
    url = models.URLField(blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class FooterLink(models.Model):
    key = models.SlugField(max_length=50, unique=True)
    label = models.CharField(max_length=100)
    route = models.CharField(max_length=500)
    is_external = models.BooleanField(default=False)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return self.key


def normalise_path(value: str) -> str:
    """``old`` / ``/old`` / ``/old/`` → ``/old/`` (query strings are kept as given)."""
    value = (value or "").strip()
    if not value:
        return value
    if "://" in value:  # absolute targets are allowed for new_path
        return value
    path, sep, query = value.partition("?")
    path = "/" + path.strip("/") + "/" if path.strip("/") else "/"
    return path + sep + query


class Redirect(models.Model):
    class Kind(models.IntegerChoices):
        PERMANENT = 301, "301 permanent"
        TEMPORARY = 302, "302 temporary"

    old_path = models.CharField(max_length=500, unique=True)
    new_path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField(choices=Kind.choices, default=Kind.PERMANENT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_path"]

    def __str__(self) -> str:
        return f"{self.old_path} → {self.new_path}"

    def save(self, *args, **kwargs) -> None:
        self.old_path = normalise_path(self.old_path)
        self.new_path = normalise_path(self.new_path)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.old_path, self.new_path = normalise_path(self.old_path), normalise_path(self.new_path)
        # only whitespace (Python's idea of it: control characters \x1c-\x1f too) is no path
        empty = {
            f: "Give a path such as /old/."
            for f in ("old_path", "new_path")
            if not getattr(self, f)
        }
        if empty:
            raise ValidationError(empty)
        if "://" in self.old_path:
            raise ValidationError({"old_path": "Give a path such as /old/, not a full URL."})
        if normalise_path(self.old_path) == normalise_path(self.new_path):
            raise ValidationError({"new_path": "A redirect cannot point to itself."})
        # Normalising adds slashes: a value at the limit would no longer fit its column.
        too_long = {
            f: f"At most {self._meta.get_field(f).max_length} characters once slashes are added."
            for f in ("old_path", "new_path")
            if len(getattr(self, f)) > self._meta.get_field(f).max_length
        }
        if too_long:
            raise ValidationError(too_long)


class ContactSubmission(models.Model):
    name = models.CharField(max_length=200)
    email = models.EmailField()
    subject = models.CharField(max_length=200, blank=True)
    message = models.TextField()
    language = models.CharField(max_length=10, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>: {self.subject or self.message[:40]}"


class OutboxEntry(models.Model):
    """Work a content change owed Redis but could not hand it (Redis or the broker down).

    Written in the tenant's schema, drained by ``cms.outbox.drain`` once Redis answers.
    """

    class Kind(models.TextChoices):
        INVALIDATE = "invalidate", "cache invalidation"
        TASK = "task", "Celery task"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    task = models.CharField(max_length=200, blank=True)  # dotted Celery task name
    args = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "outbox entry"
        verbose_name_plural = "outbox entries"

    def __str__(self) -> str:
        return f"{self.kind} {self.task} {self.args}".strip()
