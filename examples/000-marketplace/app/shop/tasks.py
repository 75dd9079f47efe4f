"""Celery tasks: the receipt of a paid order, written to the media bucket."""

import json

import boto3
from celery import shared_task
from django.conf import settings

from shop.models import Order


@shared_task
def write_receipt(order_id: int) -> str:
    order = Order.objects.get(id=order_id)
    key = f"receipts/{order.id}.json"
    receipt = {
        "order": order.id,
        "item": order.item,
        "amount_cents": order.amount_cents,
        "charge": order.charge_id,
    }
    boto3.client("s3").put_object(
        Bucket=settings.MEDIA_BUCKET, Key=key, Body=json.dumps(receipt).encode()
    )
    Order.objects.filter(id=order.id).update(receipt_key=key, status="receipted")
    return key
