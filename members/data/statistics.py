"""Branch statistics — members, workers, base unions covered, unionisation rate — per branch over its subtree.

Computed in SQL in one query for any number of branches: the branches under any requested branch are found by
materialised-path prefix, active members are counted per branch once (GROUP BY), and the per-branch figures are
summed per requested branch with a second prefix join. The query count does not grow with the tree or the
number of branches shown.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Q

from ..models import Branch, Member, StaffRole


@dataclass(frozen=True)
class BranchStatistics:
    branch_id: int
    name: str
    kind: str
    depth: int
    members: int
    workers: int
    base_unions: int
    base_unions_covered: int

    @property
    def unionisation_rate(self) -> Decimal | None:
        """Members per hundred workers, to 0.1 (a percentage); None when the branch reports no workers."""
        if not self.workers:
            return None
        return (Decimal(self.members) * 100 / Decimal(self.workers)).quantize(Decimal("0.1"), ROUND_HALF_UP)

    def as_dict(self) -> dict:
        return {
            "branch_id": self.branch_id, "name": self.name, "kind": self.kind, "members": self.members,
            "workers": self.workers, "base_unions": self.base_unions,
            "base_unions_covered": self.base_unions_covered, "unionisation_rate": self.unionisation_rate,
        }


# MATERIALIZED (SQLite 3.35+, PostgreSQL 12+) makes each step run once, however many requested branches share a
# subtree. Members are counted per branch with one probe of the (branch, status) index each, so the cost follows
# the size of the subtree asked for (a base union's staff do not pay for the whole city).
_SQL = """
WITH targets AS MATERIALIZED (
    SELECT id, path, name, kind, depth FROM {branch} WHERE id IN ({placeholders})
),
target_depths AS MATERIALIZED (
    SELECT DISTINCT depth FROM targets
),
relevant AS MATERIALIZED (
    SELECT b.id, b.path, b.kind, b.worker_count, b.depth FROM {branch} b
    WHERE EXISTS (SELECT 1 FROM targets t WHERE substr(b.path, 1, length(t.path)) = t.path)
),
per_branch AS MATERIALIZED (
    SELECT r.path, r.kind, r.worker_count, r.depth,
           (SELECT COUNT(*) FROM {member} m WHERE m.branch_id = r.id AND m.status = %s) AS n
    FROM relevant r
),
sums AS MATERIALIZED (
    -- Each branch meets the requested branch above it by an equality on its path prefix at that depth
    -- (a hash join), rather than by comparing every branch with every requested branch.
    SELECT t.id AS target_id,
           SUM(p.n) AS members,
           SUM(p.worker_count) AS workers,
           SUM(CASE WHEN p.kind = %s THEN 1 ELSE 0 END) AS base_unions,
           SUM(CASE WHEN p.kind = %s AND p.n > 0 THEN 1 ELSE 0 END) AS covered
    FROM per_branch p
    JOIN target_depths d ON p.depth >= d.depth
    JOIN targets t ON t.depth = d.depth AND t.path = substr(p.path, 1, %s * d.depth)
    GROUP BY t.id
)
SELECT t.id, t.name, t.kind, t.depth,
       COALESCE(s.members, 0), COALESCE(s.workers, 0), COALESCE(s.base_unions, 0), COALESCE(s.covered, 0)
FROM targets t JOIN sums s ON s.target_id = t.id
ORDER BY t.path
"""


def branch_statistics(branch_ids: list[int]) -> list[BranchStatistics]:
    """Statistics of each branch over its whole subtree, in tree order; one SQL query."""
    ids = sorted({int(i) for i in branch_ids})
    if not ids:
        return []
    sql = _SQL.format(
        branch=connection.ops.quote_name(Branch._meta.db_table),
        member=connection.ops.quote_name(Member._meta.db_table),
        placeholders=", ".join(["%s"] * len(ids)),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, Member.Status.ACTIVE, Branch.Kind.BASE, Branch.Kind.BASE, Branch.steplen])
        return [
            BranchStatistics(
                branch_id=row[0], name=row[1], kind=row[2], depth=row[3], members=int(row[4]),
                workers=int(row[5]), base_unions=int(row[6]), base_unions_covered=int(row[7]),
            )
            for row in cursor.fetchall()
        ]


def statistics_for_staff(user) -> list[tuple[BranchStatistics, list[BranchStatistics]]]:
    """For each branch where the user holds a role (superuser: each root), its statistics and those of its
    direct children. Three queries whatever the number of branches."""
    if user.is_superuser:
        held = list(Branch.objects.filter(depth=1).values_list("id", "path", "depth"))
    else:
        held = list(
            StaffRole.objects.filter(user=user).values_list("branch_id", "branch__path", "branch__depth").distinct()
        )
    if not held:
        return []
    children_of: dict[int, list[int]] = {branch_id: [] for branch_id, _path, _depth in held}
    condition = Q()
    for _branch_id, path, depth in held:
        condition |= Q(path__startswith=path, depth=depth + 1)
    by_path = {path: branch_id for branch_id, path, _depth in held}
    steplen = Branch.steplen
    for child_id, child_path in Branch.objects.filter(condition).values_list("id", "path"):
        children_of[by_path[child_path[:-steplen]]].append(child_id)
    all_ids = set(children_of) | {c for children in children_of.values() for c in children}
    stats = {s.branch_id: s for s in branch_statistics(list(all_ids))}
    sections = []
    for branch_id, _path, _depth in sorted(held, key=lambda h: h[1]):
        if branch_id in stats:
            children = sorted((stats[c] for c in children_of[branch_id] if c in stats), key=lambda s: s.name)
            sections.append((stats[branch_id], children))
    return sections
