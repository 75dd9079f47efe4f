"""Marketplace settings, all from the environment: PG*, REDIS_URL, AWS_*, PAYMENTS_URL, SMTP_*.

Secrets arrive as files (`<VAR>_FILE`): the database and Redis passwords and the payments key.
"""

import os
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit


def secret(variable: str) -> str:
    path = os.environ.get(f"{variable}_FILE")
    return Path(path).read_text().strip() if path else os.environ.get(variable, "")


def _redis_url() -> str:
    """REDIS_URL with the password of REDIS_PASSWORD_FILE, where Redis has auth."""
    url, password = os.environ.get("REDIS_URL", "redis://redis:6379/0"), secret("REDIS_PASSWORD")
    if not password:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f":{quote(password, safe='')}@{parts.netloc}"))


DEBUG = os.environ.get("DEBUG", "0") == "1"
SECRET_KEY = secret("DJANGO_SECRET_KEY") or "marketplace-local-replica"
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["shop"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "marketplace.urls"
ASGI_APPLICATION = "marketplace.asgi.application"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": os.environ.get("PGHOST", "postgres"),
        "PORT": os.environ.get("PGPORT", "5432"),
        "NAME": os.environ.get("PGDATABASE", "marketplace"),
        "USER": os.environ.get("PGUSER", "marketplace"),
        "PASSWORD": secret("PGPASSWORD"),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True

REDIS_URL = _redis_url()
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ACKS_LATE = True

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("SMTP_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("SMTP_PORT", "25"))
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("MAIL_FROM", "orders@example.com")

PAYMENTS_URL = os.environ.get("PAYMENTS_URL", "")
PAYMENTS_API_KEY = secret("PAYMENTS_API_KEY")
MEDIA_BUCKET = os.environ.get("MEDIA_BUCKET", "")
FEATURE_FLAGS = [f for f in os.environ.get("FEATURE_FLAGS", "").split(",") if f]
