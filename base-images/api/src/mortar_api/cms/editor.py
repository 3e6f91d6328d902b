"""Editor API (token auth, staff + model permissions): CRUD for the content models.

Lists are paginated (``cms.pagination``) and filtered (``cms.filters``); writes are strict
(``cms.strict``), and refused content rules are 409/422 by their codes (``cms.errors``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiRequest, extend_schema, extend_schema_view
from modeltranslation.manager import get_translatable_fields_for_model
from modeltranslation.settings import AVAILABLE_LANGUAGES
from modeltranslation.utils import build_localized_fieldname
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from mortar_api.media.models import MediaAsset
from mortar_api.media.serializers import MediaAssetSerializer, MediaUploadSerializer
from mortar_api.media.validation import ALLOWED_FORMATS

from . import filters, review
from .blocks.fields import BlocksField
from .errors import Conflict
from .models import (
    ContactSubmission,
    FooterLink,
    Hero,
    MenuItem,
    Page,
    PageRevision,
    Partner,
    Redirect,
    SiteSettings,
)
from .permissions import CanPublish, check_page_write
from .preview import preview_url
from .public import page_data
from .revisions import restore_revision
from .schema import PageSchema
from .strict import StrictModelSerializer, StrictSerializer
from .views_base import EditorPermission, EditorReadOnlyViewSet, EditorViewSet


def editable_fields(model: type[models.Model], exclude: tuple[str, ...] = ()) -> list[str]:
    """Model fields for the editor: translated fields as their per-language columns only."""
    translated = set(get_translatable_fields_for_model(model) or [])
    localized = {
        build_localized_fieldname(n, lang) for n in translated for lang in AVAILABLE_LANGUAGES
    }
    out = []
    for f in model._meta.concrete_fields:
        if f.name in translated or f.name in exclude or f.generated:
            continue
        out.append(f.name)
    return out + sorted(localized - set(out))


def _django_errors(exc: DjangoValidationError) -> dict | list:
    return exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}


class ModelValidatingSerializer(StrictModelSerializer):
    """Runs the model's clean() and constraints so bad input is refused, never an IntegrityError.

    A broken rule of clean() is code ``rule`` (422), a broken constraint code ``unique`` (409).
    """

    constraint_exclude: tuple[str, ...] = ()

    def prepare_instance(self, instance: models.Model) -> None:
        pass

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        model = self.Meta.model
        if self.instance is None:
            instance = model()
        else:
            instance = model.objects.filter(pk=self.instance.pk).first()
            if instance is None:  # deleted by another request since the view read it
                raise exceptions.NotFound()
        for key, value in attrs.items():
            setattr(instance, key, value)
        self.prepare_instance(instance)
        try:
            instance.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(_django_errors(exc), code="rule") from exc
        try:
            instance.validate_constraints(exclude=set(self.constraint_exclude))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(_django_errors(exc), code="unique") from exc
        return attrs


def serializer_for(
    model: type[models.Model], read_only: tuple[str, ...] = (), **declared: serializers.Field
) -> type:
    """The editor serializer of ``model``; ``declared`` fields replace the generated ones."""
    meta = type(
        "Meta",
        (),
        {"model": model, "fields": ["id", *[f for f in editable_fields(model) if f != "id"]],
         "read_only_fields": list(read_only), "validators": []},
    )  # fmt: skip
    return type(
        f"{model.__name__}EditorSerializer",
        (ModelValidatingSerializer,),
        {"Meta": meta, **declared},
    )


def default_title_field() -> str:
    from modeltranslation.settings import DEFAULT_LANGUAGE

    return build_localized_fieldname("title", DEFAULT_LANGUAGE)


class PageEditorSerializer(ModelValidatingSerializer):
    constraint_exclude = ("is_home",)  # save() moves the home flag instead of refusing
    preview_url = serializers.SerializerMethodField()

    class Meta:
        model = Page
        fields = ["id", *[f for f in editable_fields(Page) if f != "id"], "preview_url"]
        read_only_fields = ["path", "status", "published_at", "created_at", "updated_at"]
        validators: list = []
        extra_kwargs = {"is_home": {"validators": []}, "slug": {"validators": []}}

    def get_fields(self) -> dict:
        # The title in the default language is what every fallback shows: required, never
        # blank or null (the document says so; other languages may stay empty).
        fields = super().get_fields()
        for name in [n for n in fields if n.startswith("blocks_")]:
            fields[name] = BlocksField()  # typed blocks, each problem named (cms.blocks)
        title = fields.get(default_title_field())
        if title is not None:
            title.required = self.instance is None and not self.partial
            title.allow_null = title.allow_blank = False
        return fields

    def prepare_instance(self, instance: Page) -> None:
        instance.path = instance.compute_path()

    def get_preview_url(self, obj: Page) -> str | None:  # scheme-relative web address
        return preview_url(obj.pk)

    def validate(self, attrs: dict) -> dict:
        from modeltranslation.settings import DEFAULT_LANGUAGE

        # an Editor's write that would publish or schedule, or change a live page: 403
        request = self.context.get("request")
        if request is not None:
            check_page_write(request.user, self.instance, attrs)
        attrs = super().validate(attrs)
        key = build_localized_fieldname("title", DEFAULT_LANGUAGE)
        title = attrs.get(key, getattr(self.instance, key, None) if self.instance else None)
        if not title:
            raise serializers.ValidationError(
                {key: ["A title in the default language is required."]}
            )
        return attrs

    def create(self, validated_data: dict) -> Page:
        page = Page(**validated_data)
        user = self.context["request"].user
        review.note_publication_change(page, user, set(validated_data))  # a schedule approves
        page.save(revision_note="created via API", revision_user=user)
        return page

    def update(self, instance: Page, validated_data: dict) -> Page:
        changed = {k for k, v in validated_data.items() if getattr(instance, k) != v}
        for key, value in validated_data.items():
            setattr(instance, key, value)
        user = self.context["request"].user
        review.note_publication_change(instance, user, changed)
        instance.save(revision_note="edited via API", revision_user=user)
        return instance


class RevisionSerializer(serializers.ModelSerializer):
    created_by = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = PageRevision
        fields = ["id", "created_at", "created_by", "note", "data"]


NO_BODY = extend_schema(request=None)
PUBLISHERS_ONLY = [EditorPermission, CanPublish]  # cms.permissions: Editors get 403


@extend_schema_view(publish=NO_BODY, unpublish=NO_BODY, restore=NO_BODY, submit=NO_BODY)
class PageEditorViewSet(EditorViewSet):
    queryset = Page.objects.select_related("parent").order_by("path")
    serializer_class = PageEditorSerializer
    filterset_class = filters.PageFilter

    def _set_status(self, request, status: str) -> Response:
        # by hand: any pending schedule is done (cms.review; records who approved it)
        page = self.get_object()
        change = review.publish if status == Page.Status.PUBLISHED else review.unpublish
        change(page, request.user, f"{status} via API")
        return Response(self.get_serializer(page).data)

    @action(detail=True, methods=["post"], permission_classes=PUBLISHERS_ONLY)
    def publish(self, request, pk=None) -> Response:
        return self._set_status(request, Page.Status.PUBLISHED)

    @action(detail=True, methods=["post"], permission_classes=PUBLISHERS_ONLY)
    def unpublish(self, request, pk=None) -> Response:
        return self._set_status(request, Page.Status.DRAFT)

    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None) -> Response:
        """Submit a draft for review: it is listed under "Awaiting review" for Publishers.

        409 when the page is already published (there is nothing to review).
        """
        page = self.get_object()
        try:
            review.submit_for_review(page, request.user)
        except review.AlreadyPublished as exc:
            raise Conflict(str(exc)) from exc
        return Response(self.get_serializer(page).data)

    @extend_schema(responses=RevisionSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def revisions(self, request, pk=None) -> Response:
        page = self.get_object()
        return Response(RevisionSerializer(page.revisions.all(), many=True).data)

    @action(
        detail=True,
        methods=["post"],
        url_path=r"revisions/(?P<revision_id>\d+)/restore",
        permission_classes=PUBLISHERS_ONLY,
    )
    def restore(self, request, pk=None, revision_id=None) -> Response:
        page = self.get_object()
        revision = get_object_or_404(PageRevision, pk=revision_id, page=page)
        restore_revision(revision, user=request.user)
        page.refresh_from_db()
        return Response(self.get_serializer(page).data)

    @extend_schema(responses=PageSchema, filters=False)
    @action(detail=True, methods=["get"], url_path="render", filterset_class=None)
    def render_page(self, request, pk=None) -> Response:
        """The page in its public shape, drafts included (for editor-side previews)."""
        return Response(page_data(self.get_object(), published_only=False))


def simple_viewset(
    model: type[models.Model], filterset: type, read_only: tuple[str, ...] = ()
) -> type:
    return type(
        f"{model.__name__}EditorViewSet",
        (EditorViewSet,),
        {
            "queryset": model.objects.all(),
            "serializer_class": serializer_for(model, read_only),
            "filterset_class": filterset,
        },
    )


MenuItemViewSet = simple_viewset(MenuItem, filters.MenuItemFilter)
HeroViewSet = simple_viewset(Hero, filters.HeroFilter, ("updated_at",))
PartnerViewSet = simple_viewset(Partner, filters.PartnerFilter)
FooterLinkViewSet = simple_viewset(FooterLink, filters.FooterLinkFilter)
RedirectViewSet = simple_viewset(Redirect, filters.RedirectFilter, ("created_at",))


class ContactSubmissionViewSet(EditorReadOnlyViewSet):
    queryset = ContactSubmission.objects.all()
    serializer_class = serializer_for(ContactSubmission)
    filterset_class = filters.ContactSubmissionFilter


UPLOAD = OpenApiRequest(
    MediaUploadSerializer,
    encoding={"file": {"contentType": ", ".join(sorted(ALLOWED_FORMATS.values()))}},
)


@extend_schema_view(
    create=extend_schema(
        request={"multipart/form-data": UPLOAD}, responses={201: MediaAssetSerializer}
    )
)
class MediaAssetViewSet(EditorViewSet):
    queryset = MediaAsset.objects.all()
    serializer_class = MediaAssetSerializer
    filterset_class = filters.MediaAssetFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def initialize_request(self, request, *args, **kwargs):
        # DRF names the action only after choosing the parsers, which depend on it here.
        self.action = self.action_map.get(request.method.lower())
        return super().initialize_request(request, *args, **kwargs)

    def get_parsers(self) -> list:
        if getattr(self, "action", None) == "create":  # an upload: the file and its texts
            return [MultiPartParser()]
        return super().get_parsers()

    def get_serializer_class(self):
        if self.request.method == "PATCH":  # metadata only; a new file means a new asset
            return MediaAssetUpdateSerializer
        if self.request.method == "POST":
            return MediaUploadSerializer
        return MediaAssetSerializer


class MediaAssetUpdateSerializer(MediaAssetSerializer):
    class Meta(MediaAssetSerializer.Meta):
        fields = [f for f in MediaAssetSerializer.Meta.fields if f != "file"]


class SocialLinkSerializer(StrictSerializer):
    network = serializers.CharField()
    url = serializers.CharField()


SiteSettingsSerializer = serializer_for(
    SiteSettings, ("updated_at",), social_links=SocialLinkSerializer(many=True, required=False)
)


class SiteSettingsViewSet(EditorViewSet):
    """A singleton: GET/PUT/PATCH ``editor/settings/``."""

    queryset = SiteSettings.objects.all()
    serializer_class = SiteSettingsSerializer

    def get_object(self) -> SiteSettings:
        obj = SiteSettings.load()
        self.check_object_permissions(self.request, obj)
        return obj
