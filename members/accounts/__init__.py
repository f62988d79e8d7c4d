"""Accounts: signing up, in and out by mobile number or email (allauth's adapters, forms, pages and headless views,
with the portal's SMS codes resumed while still valid), staff two-factor and the 429 page, the audit of what
allauth does itself, and the account's own settings (`/me/settings/`, `/api/v1/me/`). Messages to the account go
through `members.notifications`. The models live in `members.models.accounts`."""
