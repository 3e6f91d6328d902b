from cms.conftest import admin_client_for  # noqa: F401  (a fixture, reused here)
