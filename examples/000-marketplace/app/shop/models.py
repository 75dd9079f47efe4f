from django.db import models


class Order(models.Model):
    item = models.CharField(max_length=200)
    amount_cents = models.PositiveIntegerField()
    email = models.EmailField()
    charge_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=20, default="new")
    receipt_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
