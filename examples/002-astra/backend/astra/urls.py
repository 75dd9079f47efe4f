from django.urls import include, path

from catalog import views

urlpatterns = [
    path("api/health", views.health),
    path("api/items", views.items),
    path("", include("django_prometheus.urls")),
]
