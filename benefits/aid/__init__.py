"""Education aid (金秋助学): campaigns, the member's applications for their children, their review and payout
through `benefits.review`, letters and figures."""
