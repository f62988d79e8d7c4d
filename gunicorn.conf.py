"""gunicorn reads this file from the working directory (Docker image, `make stack`): its own log lines are
JSON and redacted like the portal's; each worker builds the station search's index and cards as it starts.
Bind address and workers come from the command line / WEB_CONCURRENCY."""

from portal.logging import JSON_FORMATTER

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "portal.logging.RedactSecretsFilter"}},
    "formatters": {"json": JSON_FORMATTER},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["redact"],
            "stream": "ext://sys.stderr",
        },
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}


def post_worker_init(worker):
    """After the worker has loaded the app: the station search's index and cards (seconds for a national
    table) are built in a background thread, not by the first search request (stations/cards.py)."""
    from stations.cards import warm_in_background

    warm_in_background()
