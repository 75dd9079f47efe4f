"""Astra+ backend settings: PostgreSQL from PG* variables, the password from PGPASSWORD_FILE."""

import os
from pathlib import Path


def _secret(variable: str) -> str:
    path = os.environ.get(f"{variable}_FILE")
    return Path(path).read_text().strip() if path else os.environ.get(variable, "")


SECRET_KEY = _secret("DJANGO_SECRET_KEY") or "astra-local-replica"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django_prometheus", "catalog"]
MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]
ROOT_URLCONF = "astra.urls"
WSGI_APPLICATION = "astra.wsgi.application"
DATABASES = {
    "default": {
        "ENGINE": "django_prometheus.db.backends.postgresql",
        "HOST": os.environ.get("PGHOST", "postgres"),
        "PORT": os.environ.get("PGPORT", "5432"),
        "NAME": os.environ.get("PGDATABASE", "astra"),
        "USER": os.environ.get("PGUSER", "astra"),
        "PASSWORD": _secret("PGPASSWORD"),
        "CONN_MAX_AGE": 60,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
