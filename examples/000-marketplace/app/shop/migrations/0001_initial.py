from typing import ClassVar

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies: ClassVar[list[tuple[str, str]]] = []

    operations: ClassVar[list[migrations.operations.base.Operation]] = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("item", models.CharField(max_length=200)),
                ("amount_cents", models.PositiveIntegerField()),
                ("email", models.EmailField(max_length=254)),
                ("charge_id", models.CharField(blank=True, max_length=100)),
                ("status", models.CharField(default="new", max_length=20)),
                ("receipt_key", models.CharField(blank=True, max_length=200)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
    ]
