"""Member data work for staff: bulk imports of a company's workers (checked, staged, then applied in batches, with
an error report), the members export, branch statistics and awards (以奖代补), with their pages
(`/staff/imports/`, `/staff/statistics/`, `/awards/` …), API (`/api/v1/branches/<id>/statistics/`,
`/api/v1/awards/`) and the import task. It writes members through `members.organisation.services`. The models
live in `members.models.data`."""
