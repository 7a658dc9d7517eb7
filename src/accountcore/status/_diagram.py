"""Diagrams of a transition table, generated from the data."""

from __future__ import annotations

from ..entities import AccountStatus, AccountType
from ._table import TransitionTable


def _edges(
    table: TransitionTable, account_type: AccountType | None
) -> list[tuple[AccountStatus, AccountStatus, str]]:
    order = list(AccountStatus)
    edges = []
    for source, target, types in sorted(
        table.rows, key=lambda r: (order.index(r[0]), order.index(r[1]))
    ):
        if account_type is not None:
            if account_type in types:
                edges.append((source, target, ""))
            continue
        label = (
            "all types"
            if len(types) == len(AccountType)
            else ", ".join(sorted(t.value for t in types))
        )
        edges.append((source, target, label))
    return edges


def _name(status: AccountStatus) -> str:
    return status.name.capitalize()


def to_mermaid(table: TransitionTable, account_type: AccountType | None = None) -> str:
    """
    Draw the table as a Mermaid state diagram.

    With ``account_type``, only that type's moves; without, every move labelled with the
    type codes it applies to.

    .. versionadded:: 0.1
    """
    lines = ["stateDiagram-v2", f"    [*] --> {_name(AccountStatus.ACTIVE)}"]
    for source, target, label in _edges(table, account_type):
        suffix = f": {label}" if label else ""
        lines.append(f"    {_name(source)} --> {_name(target)}{suffix}")
    return "\n".join(lines) + "\n"


def to_dot(table: TransitionTable, account_type: AccountType | None = None) -> str:
    """
    Draw the table as a Graphviz DOT digraph (same content as `to_mermaid`).

    .. versionadded:: 0.1
    """
    title = account_type.name.capitalize() if account_type else "all types"
    lines = [f'digraph "account status ({title})" {{', "    rankdir=LR;"]
    lines += [
        f"    {_name(s)} [shape={'doublecircle' if s is AccountStatus.ACTIVE else 'circle'}];"
        for s in AccountStatus
    ]
    for source, target, label in _edges(table, account_type):
        attr = f' [label="{label}"]' if label else ""
        lines.append(f"    {_name(source)} -> {_name(target)}{attr};")
    return "\n".join(lines) + "\n}\n"
