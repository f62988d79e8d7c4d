"""Messages to people: the one way to tell a person something (`services.notification_send`), its email and SMS
deliveries and their retries, text messages to numbers without an account, the SMS gateways and ceilings, the
inbox's pages and API, and the sweep that queues again what was lost. Every part of members and every service app
sends through it; it imports none of them. The models live in `members.models.accounts`."""
