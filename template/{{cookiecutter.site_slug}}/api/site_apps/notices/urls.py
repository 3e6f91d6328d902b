from django.urls import path

from site_apps.notices.views import CurrentNotices

urlpatterns = [path("", CurrentNotices.as_view(), name="notices-current")]
