import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# Workers scale by processes, and validation's numpy work is element-wise: a BLAS thread pool per
# process would only spin on the cores the other workers need (ADR 0040).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
