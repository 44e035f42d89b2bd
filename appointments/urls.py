from django.urls import path

from appointments import views

app_name = "appointments"

urlpatterns = [
    path("diary/", views.diary, name="diary"),
    path("book/<int:claimant_id>/", views.book, name="book"),
    path("<int:pk>/rebook/", views.rebook, name="rebook"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/outcome/", views.outcome, name="outcome"),
    path("<int:pk>/self-assessment/", views.appointment_self_assessment, name="self_assessment"),
    path("plan-steps/<int:step_id>/actions/", views.link_actions, name="link_actions"),
]
