"""gunicorn reads this file from the working directory (Docker image, `make stack`): its own log lines are
JSON and redacted like the portal's, with the access log off unless --access-logfile asks for it; each worker
builds the station search's index and cards as it starts. Bind address and workers come from the command line
/ WEB_CONCURRENCY."""

from gunicorn.glogging import Logger

from portal.logging import JSON_FORMATTER


class PortalLogger(Logger):
    """gunicorn turns its access log on whenever logconfig_dict is set; here it stays off unless asked for with
    --access-logfile (the proxy in front keeps one, and a line per request costs every request)."""

    @property
    def access_log_enabled(self) -> bool:
        return bool(self.cfg.accesslog)


logger_class = PortalLogger

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
