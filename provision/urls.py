from django.urls import path

from provision import views

app_name = "provision"

urlpatterns = [
    path("", views.offer_list, name="offer_list"),
]
