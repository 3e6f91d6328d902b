"""The test settings plus one view that fails (tests/errortracking): a real error in a
tenant's request, for the error reports to carry."""

from mortar_test_settings import *  # noqa: F403

ROOT_URLCONF = "sentry_test_urls"
