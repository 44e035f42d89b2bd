from django.urls import path

from provision import views

app_name = "provision"

urlpatterns = [
    path("", views.offer_list, name="offer_list"),
    path("offers/new/", views.offer_create, name="offer_create"),
    path("offers/<int:pk>/", views.offer_detail, name="offer_detail"),
    path("offers/<int:pk>/edit/", views.offer_edit, name="offer_edit"),
    path("offers/<int:pk>/reviewed/", views.offer_reviewed, name="offer_reviewed"),
    path("offers/<int:pk>/pause/", views.offer_pause, name="offer_pause"),
    path("offers/<int:pk>/archive/", views.offer_archive, name="offer_archive"),
    path("offers/<int:pk>/contacts/<int:contact_pk>/public/", views.contact_public, name="contact_public"),
    path("import/", views.import_offers, name="import"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("imports/<int:pk>/", views.import_report, name="import_report"),
    path("imports/<int:pk>/report.csv", views.import_report_csv, name="import_report_csv"),
    path("export.csv", views.export_offers, name="export"),
    path("claimants/<int:claimant_pk>/find/", views.find_provision, name="find"),
    path("claimants/<int:claimant_pk>/refer/<int:offer_pk>/", views.refer, name="refer"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("plan-steps/<int:step_id>/referrals/", views.link_referrals, name="link_referrals"),
]
