"""Admin registrations of the members app (each area in its own module)."""

from . import admin_org  # noqa: F401
