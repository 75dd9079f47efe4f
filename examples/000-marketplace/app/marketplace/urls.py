from django.urls import path
from shop import views

urlpatterns = [
    path("healthz", views.health),
    path("api/meta", views.meta),
    path("api/orders", views.orders),
    path("api/orders/<int:order_id>", views.order),
]
