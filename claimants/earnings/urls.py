"""The earnings feed page. Its patterns are part of the ``claimants`` namespace (``claimants:earnings_feed``)."""

from django.urls import path

from claimants.earnings import views as earnings_feed_views

urlpatterns = [
    path("earnings-feed/", earnings_feed_views.upload, name="earnings_feed"),
]
