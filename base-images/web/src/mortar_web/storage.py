"""Static files storage: fingerprinted and compressed after `collectstatic`, plain before."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class FingerprintedStaticStorage(CompressedManifestStaticFilesStorage):
    """Whitenoise's manifest storage that falls back to the plain name.

    After `mortar-web collectstatic` every URL carries a content hash and
    whitenoise serves it with a one-year `immutable` cache header. In a checkout
    where nobody ran collectstatic the manifest is empty: instead of failing
    every page with "Missing staticfiles manifest entry" we link the plain name,
    which whitenoise serves from the finders (WHITENOISE_USE_FINDERS).
    """

    manifest_strict = False

    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError:  # not collected: the file exists only in a finder's dir
            return name
