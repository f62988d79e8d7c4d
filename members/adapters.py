"""allauth adapter: mobile numbers live on our User; SMS codes go out through the SMS backend."""

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    pass
