"""Loaded into the tests' real worker (`celery worker --include tests.worker_hooks`, tests/worker.py).

Between two transactional tests pytest-django empties every table and Django creates the content types again, with
new ids; the worker, a long-lived process, would keep the old ones in ContentType's cache and write audit entries
that point at ids which no longer exist. A deployed worker never sees content types change under it."""

from celery.signals import task_prerun


@task_prerun.connect
def _forget_content_types(**kwargs) -> None:
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
