"""The backend's API: its health (PostgreSQL answering) and the items the frontend lists."""

import json

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from catalog.models import Item


def health(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@csrf_exempt
def items(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        title = str(json.loads(request.body or b"{}").get("title", "")).strip()
        if not title:
            return JsonResponse({"error": "an item needs a title"}, status=400)
        item = Item.objects.create(title=title)
        return JsonResponse({"id": item.id, "title": item.title}, status=201)
    listed = [{"id": i.id, "title": i.title} for i in Item.objects.order_by("id")]
    return JsonResponse({"items": listed})
