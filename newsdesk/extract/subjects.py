"""Pick the companies a figure is about: the nearest name, or a group named just before."""

from __future__ import annotations

from collections.abc import Sequence

from newsdesk.extract import lexicon

Mention = tuple[int, int, str]  # (start, end, symbol) from AliasIndex.find


def subject_at(
    names: Sequence[Mention], pos: int, clause: tuple[int, int], carry: bool
) -> list[str]:
    """The last name before `pos` (any earlier clause if `carry`), else the first after it."""
    floor = 0 if carry else clause[0]
    before = [n for n in names if floor <= n[0] and n[1] <= pos]
    if before:
        return [before[-1][2]]
    after = [n for n in names if pos <= n[0] < clause[1]]
    return [after[0][2]] if after else []


def pronoun_subject(before: str, previous: Sequence[str]) -> list[str]:
    """The company "the company" / "it" / 该公司 in `before` means: the previous sentence's last."""
    # a name in the same sentence is found by subject_at first; this is only the fallback
    if previous and lexicon.PRONOUN.search(before):
        return [previous[-1]]
    return []


def _distinct(symbols: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(symbols))


def resolve_group(
    count: int | None,
    moved_here: Sequence[str],
    named_here: Sequence[str],
    moved_before: Sequence[str],
    named_before: Sequence[str],
) -> tuple[list[str], bool]:
    """Members of "三家公司" / "both companies" / "together", in order, and whether they come
    from the previous sentence. Companies with a stated move are preferred over mere mentions."""
    need = count or 2
    pools = [
        (moved_here, moved_here),
        (named_here, named_here),
        ([*moved_before, *moved_here], moved_here),
        ([*named_before, *named_here], named_here),
    ]
    for pool, here in pools:
        members = _distinct(pool)
        if len(members) >= need:
            chosen = members[-count:] if count else members
            return chosen, any(m not in here for m in chosen)
    members = _distinct([*named_before, *named_here])
    return members, any(m not in named_here for m in members)
