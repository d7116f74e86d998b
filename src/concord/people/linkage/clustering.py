"""Records → people: clusters at a threshold, then DESIGN §4's never-merge rule.

Splink's connected components may join two people through a chain of strong links (A–B share a
household phone and a village, B–C share a name…). Every cluster that holds two records which are
never the same person (`features.never_same_person`) is rebuilt from its own scored links, strongest
first, joining two groups only when no record of one conflicts with a record of the other. Clusters
that break no rule are kept exactly as Splink made them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from concord.people.linkage.features import never_same_person

Edge = tuple[int, int, float]  # (unique_id_l, unique_id_r, match_probability)


class _Groups:
    """Union–find that remembers, for each group, what its records' valid ID numbers say."""

    def __init__(self, rows: Mapping[int, Mapping[str, Any]]):
        self.parent = {uid: uid for uid in rows}
        self.members: dict[int, list[int]] = {uid: [uid] for uid in rows}
        self.rows = rows

    def find(self, uid: int) -> int:
        root = uid
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[uid] != root:
            self.parent[uid], uid = root, self.parent[uid]
        return root

    def compatible(self, a: int, b: int) -> bool:
        left = [self.rows[u] for u in self.members[a] if self.rows[u].get("id_valid")]
        right = [self.rows[u] for u in self.members[b] if self.rows[u].get("id_valid")]
        return not any(never_same_person(x, y) for x in left for y in right)

    def join(self, a: int, b: int) -> None:
        a, b = sorted((a, b))
        self.parent[b] = a
        self.members[a].extend(self.members.pop(b))


def split_conflicts(
    clusters: Mapping[int, int], edges: Iterable[Edge], rows: Mapping[int, Mapping[str, Any]]
) -> dict[int, int]:
    """Given cluster ids by record (unique_id → cluster), the links that made them and every record's
    features, return cluster ids in which no cluster holds two records that are never one person.

    A cluster that needs no split keeps its id; the parts of a split one get the smallest unique_id
    of each part as their id.
    """
    by_cluster: dict[int, list[int]] = {}
    for uid, cluster in clusters.items():
        by_cluster.setdefault(cluster, []).append(uid)
    broken = {
        cluster for cluster, uids in by_cluster.items() if _breaks_rule([rows[u] for u in uids])
    }
    if not broken:
        return dict(clusters)
    result = dict(clusters)
    cluster_edges: dict[int, list[Edge]] = {cluster: [] for cluster in broken}
    for left, right, probability in edges:
        cluster = clusters.get(left)
        if cluster in broken and clusters.get(right) == cluster:
            cluster_edges[cluster].append((left, right, probability))
    for cluster in sorted(broken):
        members = by_cluster[cluster]
        groups = _Groups({uid: rows[uid] for uid in members})
        for left, right, _p in sorted(
            cluster_edges[cluster], key=lambda e: (-e[2], min(e[:2]), max(e[:2]))
        ):
            a, b = groups.find(left), groups.find(right)
            if a != b and groups.compatible(a, b):
                groups.join(a, b)
        for uid in members:
            result[uid] = groups.find(uid)
    return result


def _breaks_rule(rows: Sequence[Mapping[str, Any]]) -> bool:
    valid = [row for row in rows if row.get("id_valid")]
    checked = {row["id_number"] for row in valid if row.get("id_checked")}
    births = {(row.get("id_birth"), row.get("id_sex")) for row in valid}
    return len(checked) > 1 or len(births) > 1


def connected_components(
    uids: Iterable[int], edges: Iterable[Edge], threshold: float
) -> dict[int, int]:
    """Plain connected components over links at or above the threshold (for small or online use);
    each cluster is named by its smallest unique_id."""
    parent = {uid: uid for uid in uids}

    def find(uid: int) -> int:
        while parent[uid] != uid:
            parent[uid] = parent[parent[uid]]
            uid = parent[uid]
        return uid

    for left, right, probability in edges:
        if probability >= threshold:
            a, b = find(left), find(right)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {uid: find(uid) for uid in parent}
