"""The one scoping helper every selector uses: a user sees their scope unit's subtree, nothing else."""

from django.db.models import Q, QuerySet


def in_scope(queryset: QuerySet, actor, *, via: str = "unit") -> QuerySet:
    """Filter `queryset` to rows whose unit (reached through the `via` lookup) lies in the actor's scope.

    `via=""` means the queryset is of units itself. A user without a scope unit sees nothing.
    """
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return queryset.none()
    scope = actor.scope_unit
    if scope is None:
        return queryset.none()
    lookup = f"{via}__path__startswith" if via else "path__startswith"
    return queryset.filter(**{lookup: scope.path})


def in_scope_any(queryset: QuerySet, actor, *, vias: tuple[str, ...]) -> QuerySet:
    """Like `in_scope`, for rows that reach the territory by any of several lookups (a lead by its
    station, or by its grid when a grid worker looks)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return queryset.none()
    scope = actor.scope_unit
    if scope is None:
        return queryset.none()
    condition = Q()
    for via in vias:
        condition |= Q(**{f"{via}__path__startswith": scope.path})
    return queryset.filter(condition)


def can_see_unit(actor, unit) -> bool:
    scope = getattr(actor, "scope_unit", None)
    return bool(scope is not None and actor.is_active and unit.path.startswith(scope.path))
