"""The example app end to end inside one tenant: model, API endpoint, task."""

from datetime import timedelta

from django.utils import timezone
from django_tenants.test.cases import TenantTestCase
from django_tenants.test.client import TenantClient

from site_apps.notices.models import Notice
from site_apps.notices.tasks import deactivate_expired_notices


class NoticeTests(TenantTestCase):
    @classmethod
    def setup_tenant(cls, tenant):
        tenant.name = "Test tenant"

    def setUp(self):
        super().setUp()
        self.client = TenantClient(self.tenant)

    def test_endpoint_lists_only_current_notices(self):
        Notice.objects.create(text="Open late on Thursday")
        Notice.objects.create(text="Old news", expires_at=timezone.now() - timedelta(days=1))
        Notice.objects.create(text="Hidden", is_active=False)

        response = self.client.get("/api/v1/notices/")

        assert response.status_code == 200
        assert [n["text"] for n in response.json()] == ["Open late on Thursday"]

    def test_task_deactivates_expired_notices(self):
        Notice.objects.create(text="Past", expires_at=timezone.now() - timedelta(minutes=1))
        Notice.objects.create(text="Future", expires_at=timezone.now() + timedelta(days=1))

        assert deactivate_expired_notices() == 1
        assert list(Notice.objects.filter(is_active=True).values_list("text", flat=True)) == [
            "Future"
        ]
