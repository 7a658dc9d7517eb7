"""
Synkd's "Create New Account Customer": an account customer made from an operational customer
(docs/sync.md#create-account-customer).

One pure call builds the account from what the operational customer carries and what the
caller gives, links the operational customer to it, and returns the create `Change` the host
appends to its outbox in the same transaction as the two saves.

.. versionadded:: 0.2
"""

from __future__ import annotations

from datetime import date, datetime

import attrs

from ..entities import (
    Account,
    AccountType,
    Address,
    Contact,
    Financial,
    FreeField,
    General,
    Marketing,
    Relations,
    Summary,
)
from ..errors import Problem, ValidationError
from ._model import Change, ChangeKind, CustomerClass, _aware, _raise_if, _text
from ._operational import CustomerLinked, OperationalCustomer, link_customer

__all__ = ["NewAccountCustomer", "create_account_customer"]

#: The ``seq`` of an account's first change, as in the docs and tests.
_FIRST_SEQ = 1


@attrs.frozen(kw_only=True)
class NewAccountCustomer:
    """
    What `create_account_customer` made; the host saves all four in one transaction.

    Args:
        account: the new account customer (Active), whose ``id`` is the account key.
        customer: the operational customer, now linked to ``account``.
        event: the `CustomerLinked` event of that link.
        change: the create `Change` of ``account`` (``seq`` 1) for the outbox.

    .. versionadded:: 0.2
    """

    account: Account
    customer: OperationalCustomer
    event: CustomerLinked
    change: Change


#: The optional card sections, by argument name: the type each must have when given.
_SECTIONS: tuple[tuple[str, type], ...] = (
    ("summary", Summary),
    ("general", General),
    ("contact", Contact),
    ("marketing", Marketing),
    ("relations", Relations),
    ("financial", Financial),
)


def _invalid_type(path: str, what: str) -> Problem:
    return Problem((path,), "invalid_type", f"{path} must be {what}.")


def _argument_problems(
    customer: object,
    values: dict[str, object],
    sections: dict[str, object],
    free_fields: object,
) -> tuple[list[Problem], bool]:
    """
    Return the problems of the arguments, and whether the card's own ones can be built.
    """
    problems: list[Problem] = []
    if not isinstance(customer, OperationalCustomer):
        problems.append(_invalid_type("customer", "an OperationalCustomer"))
    elif customer.account_key is not None:
        message = (
            f"The customer is already linked to the account customer {customer.account_key!r};"
            " unlink it first."
        )
        problems.append(Problem(("customer", "account_key"), "already_linked", message))
    for path in ("account_key", "change_id", "by"):
        _text(values[path], path, problems)
    _aware(values["at"], "at", problems)
    if not isinstance(values["customer_class"], CustomerClass):
        problems.append(_invalid_type("customer_class", "a CustomerClass"))
    card: list[Problem] = []
    if not isinstance(values["code"], str):
        card.append(_invalid_type("code", "text"))
    name = values["name"]
    if name is not None and not isinstance(name, str):
        card.append(_invalid_type("name", "text"))
    if not isinstance(values["type"], AccountType):
        card.append(Problem(("type",), "invalid_choice", "type must be an AccountType."))
    if not isinstance(values["address"], Address):
        card.append(_invalid_type("address", "an Address"))
    on = values["on"]
    if not isinstance(on, date) or isinstance(on, datetime):
        card.append(_invalid_type("on", "a date (not a datetime)"))
    for path, kind in _SECTIONS:
        value = sections[path]
        if value is not None and not isinstance(value, kind):
            card.append(_invalid_type(path, f"a {kind.__name__}"))
    if not isinstance(free_fields, tuple):
        card.append(_invalid_type("free_fields", "a tuple of FreeField values"))
    else:
        card += [
            Problem(("free_fields", i), "invalid_type", "A free field must be a FreeField.")
            for i, field in enumerate(free_fields)
            if not isinstance(field, FreeField)
        ]
    return problems + card, not card and isinstance(customer, OperationalCustomer)


def create_account_customer(
    customer: OperationalCustomer,
    *,
    account_key: str,
    code: str,
    address: Address,
    on: date,
    at: datetime,
    by: str,
    change_id: str,
    customer_class: CustomerClass,
    type: AccountType = AccountType.CUSTOMER,
    name: str | None = None,
    summary: Summary | None = None,
    general: General | None = None,
    remarks: str | None = None,
    free_fields: tuple[FreeField, ...] = (),
    contact: Contact | None = None,
    marketing: Marketing | None = None,
    relations: Relations | None = None,
    financial: Financial | None = None,
) -> NewAccountCustomer:
    """
    Create a new account customer from an operational customer, and link the two.

    Synkd's "Create New Account Customer": the account is pre-filled from the operational
    customer (its name), the caller fills in what the card requires (code, address, type)
    and any other section, and the account is built with `accountcore.Account.new` (Active,
    its type and status taking effect ``on``). The operational customer is linked to it
    (`link_customer`), and the create `Change` (``seq`` 1, saved ``at``) goes to the outbox
    in the same transaction as the account, the customer and the event. With a class that
    posts Generic the change closes locally and the account gets no remote record.

    Nothing here reads a clock or draws a random number: the key, the change id and the
    instant are given.

    Args:
        customer: the operational customer, not linked yet.
        account_key: the new account's key (its ``id``); the customer is linked to it.
        code: the account code.
        address: the address (line 1, city and country at least).
        on: the date the new account's type and status take effect.
        at: the instant of the save (aware): the change's ``saved_at`` and the event's.
        by: who created it, for the event.
        change_id: the create change's id (its idempotency key).
        customer_class: the account customer's class.
        type: the account type; a customer unless given.
        name: the account's name; the operational customer's name unless given.
        summary: the rest of the summary section (``address`` replaces its address).
        general: the general section.
        remarks: the remarks.
        free_fields: the free fields.
        contact: the first contact.
        marketing: the marketing section.
        relations: the relations section.
        financial: the financial section.

    Returns:
        A `NewAccountCustomer`: the account, the linked customer, the `CustomerLinked` event
        and the create change.

    Raises:
        ValidationError: every problem at once, none of them an internal error: an argument
            of the wrong type (``invalid_type``, at the argument's path), a blank key, change
            id or author (``required``), a naive ``at`` (``naive_datetime``), a customer
            already linked to an account customer (``already_linked`` at
            ``("customer", "account_key")``: unlink it first), and the card's own problems
            at their paths in the account (as `accountcore.Account.new` reports them).

    .. versionadded:: 0.2
    """
    values: dict[str, object] = {
        "account_key": account_key,
        "change_id": change_id,
        "by": by,
        "at": at,
        "customer_class": customer_class,
        "code": code,
        "name": name,
        "type": type,
        "address": address,
        "on": on,
    }
    sections: dict[str, object] = {
        "summary": summary,
        "general": general,
        "contact": contact,
        "marketing": marketing,
        "relations": relations,
        "financial": financial,
    }
    problems, buildable = _argument_problems(customer, values, sections, free_fields)
    account: Account | None = None
    if buildable:
        try:
            account = Account.new(
                id=account_key,
                code=code,
                name=customer.name if name is None else name,
                type=type,
                address=address,
                on=on,
                summary=summary,
                general=General() if general is None else general,
                remarks=remarks,
                free_fields=free_fields,
                contact=contact,
                marketing=Marketing() if marketing is None else marketing,
                relations=Relations() if relations is None else relations,
                financial=Financial() if financial is None else financial,
            )
        except ValidationError as error:
            problems += [*error.problems, *error.warnings]
    _raise_if(problems)
    assert account is not None  # built whenever there is no problem
    linked, event = link_customer(customer, account_key, at=at, by=by)
    change = Change(
        change_id=change_id,
        account_key=account_key,
        seq=_FIRST_SEQ,
        kind=ChangeKind.CREATE,
        saved_at=at,
        customer_class=customer_class,
        snapshot=account,
    )
    return NewAccountCustomer(account=account, customer=linked, event=event, change=change)
