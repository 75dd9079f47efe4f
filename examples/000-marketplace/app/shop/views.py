"""The marketplace API: an order is charged through the payments API, confirmed by mail and
receipted by the Celery worker."""

import json
import urllib.request

import redis
from django.conf import settings
from django.core.mail import send_mail
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from shop.models import Order
from shop.tasks import write_receipt


def health(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    redis.Redis.from_url(settings.REDIS_URL, socket_timeout=3).ping()
    return JsonResponse({"status": "ok"})


def meta(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"debug": settings.DEBUG, "feature_flags": settings.FEATURE_FLAGS})


def charge(order: Order) -> str:
    body = {"amount": order.amount_cents, "currency": "eur", "description": order.item}
    request = urllib.request.Request(
        f"{settings.PAYMENTS_URL}/v1/charges",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {settings.PAYMENTS_API_KEY}",
            "Idempotency-Key": f"order-{order.id}",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return str(json.loads(answer.read())["id"])


@csrf_exempt
def orders(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return JsonResponse({"error": "POST an order"}, status=405)
    data = json.loads(request.body or b"{}")
    try:
        order = Order.objects.create(
            item=str(data["item"]), amount_cents=int(data["amount_cents"]), email=data["email"]
        )
    except (KeyError, TypeError, ValueError) as exc:
        return JsonResponse(
            {"error": f"an order needs item, amount_cents, email: {exc}"}, status=400
        )
    order.charge_id = charge(order)
    order.status = "paid"
    order.save(update_fields=["charge_id", "status"])
    send_mail(
        f"Order {order.id} confirmed",
        f"Thank you: {order.item}, {order.amount_cents / 100:.2f} EUR.",
        None,
        [order.email],
    )
    write_receipt.delay(order.id)
    return JsonResponse(
        {"id": order.id, "charge_id": order.charge_id, "status": order.status}, status=201
    )


def order(request: HttpRequest, order_id: int) -> HttpResponse:
    found = (
        Order.objects.filter(id=order_id).values("id", "status", "charge_id", "receipt_key").first()
    )
    if found is None:
        return JsonResponse({"error": f"no order {order_id}"}, status=404)
    return JsonResponse(found)
