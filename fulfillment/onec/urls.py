from django.urls import path

from .views import exchange

app_name = "onec"

# 1C calls it with and without the trailing slash.
urlpatterns = [
    path("exchange", exchange, name="exchange"),
    path("exchange/", exchange),
]
