from django.contrib import admin  # noqa: F401

# Data work (import jobs, awards, member export action) — keep this import last, after the member admin.
from .admin_data import *  # noqa: F403
