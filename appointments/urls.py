app_name = "appointments"

# Appointments, outcomes and agreed actions arrive with issue #4.
urlpatterns: list = []
