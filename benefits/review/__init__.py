"""Review and payout, once, for every kind of application the unions review and pay.

A kind of application (claims now; hardship and education aid next) is a model that inherits
`benefits.models.review.ReviewedApplication`, a history model that inherits `ReviewEvent`, and a `ReviewKind`
(`kinds.py`) that tells the machinery the few things that differ: its texts, where its member and its
reviewers read it, which federation decides, what a reviewer may tick when returning it, the limits an amount
must keep, and its service time. With that, the kind gets, without writing them again:

- `transitions`: the state table and the one conditional UPDATE that moves an application, with its event,
  audit entry and the timeline in words;
- `access`: review levels by branch, the four-eyes and conflict-of-interest rules, the locked read for review;
- `decisions`: pass, approve, return with a checklist, reject, adjust, and reviewers reminded of the service
  time;
- `payouts`: payout batches across kinds, marked paid or failed item by item, and `bank_file` writing the
  batch's transfer file;
- `documents`: private documents checked, stored and served; `letter_pdf`: the decision letter's page and issuer.

A kind's services module wraps these in its own `noun_verb` functions (`claim_pass(*, actor, claim_id, ...)`),
so its doors and tests speak of claims; the rules live here.
"""
