from catalog import views
from django.urls import include, path

urlpatterns = [
    path("api/health", views.health),
    path("api/items", views.items),
    path("", include("django_prometheus.urls")),
]
