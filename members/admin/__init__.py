"""The members app's admin screens, by concern: accounts (users, notifications, SMS, the audit log), organisation
(branches, staff roles, members, joining, transfers; the member admin offers data's export action) and data work
(imports, awards, the member export action)."""

from . import accounts, data, organisation  # noqa: F401 — each module registers its screens with the admin site
