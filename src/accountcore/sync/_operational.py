"""
Operational customers, their links to account customers, and the posting gate (docs/rules.md#sync).

An `OperationalCustomer` lives in a service-management or point-of-sale system and is never
sent to the accounting system: it is not an `Account`, so `Change` refuses it (the "digital
firewall"). It links to at most one account customer at a time, many to one; linking and
unlinking return the new value and an event. `posting_route` says where its invoices post,
or every reason they require attention.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import attrs

from ..entities import Account, AccountStatus
from ..errors import Problem, ValidationError
from ._model import CustomerClass, Link, Posting, _aware, _raise_if, _text

__all__ = [
    "CustomerLinked",
    "CustomerUnlinked",
    "OperationalCustomer",
    "PostingRoute",
    "link_customer",
    "linked_customers",
    "posting_route",
    "replay_links",
    "unlink_customer",
]


@attrs.frozen(kw_only=True)
class OperationalCustomer:
    """
    A customer of a service-management or point-of-sale system; never an `Account`.

    Args:
        id: its key in that system.
        name: its name.
        source: which operational system holds it, for example ``"pos"``.
        account_key: the account customer it is linked to, or ``None``; change it only
            through `link_customer` and `unlink_customer`, which record the change.

    Raises:
        ValidationError: a blank or non-text id, name, source or account key, with its path.

    .. versionadded:: 0.1
    """

    id: str
    name: str
    source: str
    account_key: str | None = None

    def __attrs_post_init__(self) -> None:
        problems: list[Problem] = []
        for path in ("id", "name", "source"):
            _text(getattr(self, path), path, problems)
        if self.account_key is not None:
            _text(self.account_key, "account_key", problems)
        _raise_if(problems)


@attrs.frozen(kw_only=True)
class _LinkEvent:
    customer_id: str
    source: str
    account_key: str
    at: datetime
    by: str | None = None

    def __attrs_post_init__(self) -> None:
        problems: list[Problem] = []
        for path in ("customer_id", "source", "account_key"):
            _text(getattr(self, path), path, problems)
        _aware(self.at, "at", problems)
        if self.by is not None:
            _text(self.by, "by", problems)
        _raise_if(problems)


@attrs.frozen(kw_only=True)
class CustomerLinked(_LinkEvent):
    """
    The customer ``customer_id`` of ``source`` was linked to the account customer
    ``account_key``, recorded ``at`` (aware) ``by`` someone, if known.

    .. versionadded:: 0.1
    """


@attrs.frozen(kw_only=True)
class CustomerUnlinked(_LinkEvent):
    """
    The customer ``customer_id`` of ``source`` was unlinked from the account customer
    ``account_key``, recorded ``at`` (aware) ``by`` someone, if known.

    .. versionadded:: 0.1
    """


def _action_problems(customer: object, at: object, by: object) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(customer, OperationalCustomer):
        message = "customer must be an OperationalCustomer."
        problems.append(Problem(("customer",), "invalid_type", message))
    _aware(at, "at", problems)
    if by is not None:
        _text(by, "by", problems)
    return problems


def link_customer(
    customer: OperationalCustomer, account_key: str, *, at: datetime, by: str | None = None
) -> tuple[OperationalCustomer, CustomerLinked]:
    """
    Link ``customer`` (not linked yet) to the account customer ``account_key``.

    Args:
        at: the instant the link is recorded (timezone-aware).
        by: who linked it, for the event.

    Returns:
        The linked customer and the `CustomerLinked` event.

    Raises:
        ValidationError: every problem at once: ``already_linked`` (unlink first, even to
            link to the same key again), ``required`` (a blank key), ``naive_datetime``.

    .. versionadded:: 0.1
    """
    problems = _action_problems(customer, at, by)
    _text(account_key, "account_key", problems)
    if isinstance(customer, OperationalCustomer) and customer.account_key is not None:
        message = "The customer is already linked to an account customer; unlink it first."
        problems.append(Problem(("customer", "account_key"), "already_linked", message))
    _raise_if(problems)
    event = CustomerLinked(
        customer_id=customer.id, source=customer.source, account_key=account_key, at=at, by=by
    )
    return attrs.evolve(customer, account_key=account_key), event


def unlink_customer(
    customer: OperationalCustomer, *, at: datetime, by: str | None = None
) -> tuple[OperationalCustomer, CustomerUnlinked]:
    """
    Unlink ``customer`` from its account customer, recorded ``at`` (aware) ``by`` someone.

    Returns:
        The unlinked customer and the `CustomerUnlinked` event, naming the key it left.

    Raises:
        ValidationError: every problem at once: ``not_linked``, ``naive_datetime``.

    .. versionadded:: 0.1
    """
    problems = _action_problems(customer, at, by)
    if isinstance(customer, OperationalCustomer) and customer.account_key is None:
        message = "The customer is not linked to an account customer."
        problems.append(Problem(("customer", "account_key"), "not_linked", message))
    _raise_if(problems)
    key = customer.account_key
    assert key is not None  # refused above with not_linked
    event = CustomerUnlinked(
        customer_id=customer.id, source=customer.source, account_key=key, at=at, by=by
    )
    return attrs.evolve(customer, account_key=None), event


def linked_customers(
    customers: Iterable[OperationalCustomer], account_key: str
) -> tuple[OperationalCustomer, ...]:
    """
    Return the customers linked to the account customer ``account_key``, in input order.

    .. versionadded:: 0.1
    """
    return tuple(c for c in customers if c.account_key == account_key)


def _misfit(customer: OperationalCustomer, event: object) -> str | None:
    if not isinstance(event, (CustomerLinked, CustomerUnlinked)):
        return "it is not a CustomerLinked or CustomerUnlinked event"
    if (event.customer_id, event.source) != (customer.id, customer.source):
        return "the event belongs to another customer"
    if isinstance(event, CustomerLinked):
        return None if customer.account_key is None else "the customer is already linked"
    if customer.account_key != event.account_key:
        return f"the customer is not linked to {event.account_key!r}"
    return None


def replay_links(
    customer: OperationalCustomer, events: Iterable[CustomerLinked | CustomerUnlinked]
) -> OperationalCustomer:
    """
    Apply link and unlink ``events`` in order to ``customer`` and return the result.

    Each event must fit the state it meets: the same customer (id and source), a link only
    while unlinked, an unlink only from the key the customer is linked to.

    Raises:
        ValidationError: ``event_does_not_apply`` at path ``("events", i)`` for the first
            event that does not fit.

    .. versionadded:: 0.1
    """
    for index, event in enumerate(events):
        reason = _misfit(customer, event)
        if reason is not None:
            message = f"Event {index} does not apply: {reason}."
            raise ValidationError([Problem(("events", index), "event_does_not_apply", message)])
        key = event.account_key if isinstance(event, CustomerLinked) else None
        customer = attrs.evolve(customer, account_key=key)
    return customer


@attrs.frozen(kw_only=True)
class PostingRoute:
    """
    Where an operational customer's invoice posts, or why it requires attention.

    Build one with `PostingRoute.to` or `PostingRoute.requires_attention`: either it names
    the remote customer record (``external_id``) and how it posts there (``posting``), or it
    names neither and gives every reason it cannot post (``reasons``).

    .. versionadded:: 0.1
    """

    external_id: str | None = None
    posting: Posting | None = None
    reasons: tuple[Problem, ...] = ()

    @classmethod
    def to(cls, external_id: str, posting: Posting) -> PostingRoute:
        """
        Return a route that posts to ``external_id``.
        """
        return cls(external_id=external_id, posting=posting)

    @classmethod
    def requires_attention(cls, reasons: Iterable[Problem]) -> PostingRoute:
        """
        Return a route that cannot post, for ``reasons`` (at least one).
        """
        return cls(reasons=tuple(reasons))

    @property
    def can_post(self) -> bool:
        """
        Tell whether the invoice can post (there is no reason against it).
        """
        return not self.reasons

    def __attrs_post_init__(self) -> None:
        named = (self.external_id is not None, self.posting is not None)
        if named != (not self.reasons,) * 2:
            message = "A route names its record and posting, or gives reasons; not both."
            raise ValidationError([Problem(("reasons",), "invalid_choice", message)])


#: The statuses whose account customer takes no invoice: those that refuse
#: `accountcore.status.Operation.INVOICE` (a test keeps the two in step).
_STATUS_REASONS: dict[AccountStatus, tuple[str, str]] = {
    AccountStatus.BLOCKED: ("account_blocked", "The account customer is Blocked."),
    AccountStatus.INACTIVE: ("account_inactive", "The account customer is Inactive."),
}


def _account_reasons(key: str, account: Account | None) -> list[Problem]:
    if account is None:
        return [Problem(("account",), "unknown_account", f"No account customer {key!r}.")]
    if account.id != key:
        message = "The account given is not the account customer the customer is linked to."
        return [Problem(("account", "id"), "unknown_account", message)]
    reason = _STATUS_REASONS.get(account.status)
    return [] if reason is None else [Problem(("account", "status"), *reason)]


def _record_reasons(key: str, link: Link | None) -> list[Problem]:
    message = "The account customer has no remote record yet; sync it first."
    if link is None:
        return [Problem(("link",), "account_not_synced", message)]
    if link.account_key != key:
        other = "The link belongs to another account customer."
        return [Problem(("link", "account_key"), "account_not_synced", other)]
    if not isinstance(link.external_id, str) or not link.external_id.strip():
        return [Problem(("link", "external_id"), "account_not_synced", message)]
    return []


def _type_problems(
    customer: object, account: object, customer_class: object, link: object
) -> list[Problem]:
    expected = (
        ("customer", customer, OperationalCustomer, False),
        ("account", account, Account, True),
        ("customer_class", customer_class, CustomerClass, True),
        ("link", link, Link, True),
    )
    return [
        Problem((path,), "invalid_type", f"{path} must be a {kind.__name__}.")
        for path, value, kind, optional in expected
        if not (isinstance(value, kind) or (optional and value is None))
    ]


def posting_route(
    customer: OperationalCustomer,
    *,
    account: Account | None,
    customer_class: CustomerClass | None,
    link: Link | None,
) -> PostingRoute:
    """
    Say where an invoice of ``customer`` posts, or every reason it requires attention.

    Every reason is collected, at the path of the argument it is about:
    ``customer_not_linked``; ``unknown_account`` (linked, but ``account`` is missing or has
    another id); ``no_customer_class``; ``account_blocked`` / ``account_inactive`` (the linked
    account's status; Active, Reference, Pilot and Passive may post, as all accept an
    invoice: check service sales of a Passive one with `accountcore.status.can_transact`);
    ``account_not_synced`` (an Account class, linked, but ``link`` is missing, is another
    account's, or has no external id). A Generic class posts to its ``generic_external_id``
    and needs no remote record of its own, yet a Blocked or Inactive account customer still
    requires attention.

    Args:
        customer: the operational customer.
        account: the account customer it is linked to, or ``None`` if the host has none.
        customer_class: that account customer's class, or ``None``.
        link: that account customer's sync link (`accountcore.sync.Link`), or ``None``.

    Returns:
        The route; ``route.can_post`` is true exactly when ``route.reasons`` is empty.

    Raises:
        ValidationError: ``invalid_type`` for an argument of the wrong type; nothing else.

    .. versionadded:: 0.1
    """
    _raise_if(_type_problems(customer, account, customer_class, link))
    reasons: list[Problem] = []
    key = customer.account_key
    if key is None:
        message = "The customer is not linked to an account customer."
        reasons.append(Problem(("customer", "account_key"), "customer_not_linked", message))
    else:
        reasons += _account_reasons(key, account)
    if customer_class is None:
        message = "The account customer has no customer class."
        reasons.append(Problem(("customer_class",), "no_customer_class", message))
        return PostingRoute.requires_attention(reasons)
    if customer_class.posting is Posting.GENERIC:
        target = customer_class.generic_external_id
    else:
        if key is not None:
            reasons += _record_reasons(key, link)
        target = None if link is None else link.external_id
    if reasons:
        return PostingRoute.requires_attention(reasons)
    assert target is not None  # CustomerClass requires a generic target; a link, checked
    return PostingRoute.to(target, customer_class.posting)
