"""Operational customers under mypy --strict (never run): the firewall is a type error."""

from __future__ import annotations

from datetime import datetime, timezone

from accountcore import Account, Problem
from accountcore.sync import (
    Change,
    ChangeKind,
    CustomerClass,
    CustomerLinked,
    CustomerUnlinked,
    Link,
    OperationalCustomer,
    Posting,
    PostingRoute,
    link_customer,
    linked_customers,
    posting_route,
    replay_links,
    unlink_customer,
)

AT = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)


def firewall(customer: OperationalCustomer) -> Change:
    # The digital firewall: an operational customer is not an Account. warn_unused_ignores
    # turns this ignore into a failing check the day the line stops being a type error.
    return Change(
        change_id="c1",
        account_key="k1",
        seq=1,
        kind=ChangeKind.UPDATE,
        saved_at=AT,
        snapshot=customer,  # type: ignore[arg-type]
    )


def relink(customer: OperationalCustomer, key: str) -> OperationalCustomer:
    start = customer
    events: list[CustomerLinked | CustomerUnlinked] = []
    if customer.account_key is not None:
        customer, unlinked = unlink_customer(customer, at=AT, by="ann")
        events.append(unlinked)
    customer, linked = link_customer(customer, key, at=AT)
    events.append(linked)
    return replay_links(start, events)


def siblings(customers: list[OperationalCustomer], key: str) -> tuple[OperationalCustomer, ...]:
    return linked_customers(customers, key)


def route(
    customer: OperationalCustomer, account: Account | None, link: Link | None
) -> tuple[bool, str | None, Posting | None, tuple[Problem, ...]]:
    customer_class = CustomerClass(code="ACC")
    found: PostingRoute = posting_route(
        customer, account=account, customer_class=customer_class, link=link
    )
    return found.can_post, found.external_id, found.posting, found.reasons
