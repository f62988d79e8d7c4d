"""Organisation and membership: the branch tree and staff roles (their writes), member numbers, joining a union and
its decision, transfers between branches, member records and their status, the member card and its public check,
who sees a member's full personal data; their pages (`/branches/`, `/me/membership/`, `/me/card/`,
`/staff/applications/`) and API (`/api/v1/branches/`, `/api/v1/me/membership/`, `/api/v1/staff/members/` …). The
scope helpers every part uses stay in `members.selectors`; the models live in `members.models.organisation`."""
