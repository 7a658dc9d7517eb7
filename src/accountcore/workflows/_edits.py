"""Edits by dotted path: applying them to a record, the email flags, and recodes."""

from __future__ import annotations

import copy
from collections.abc import Mapping

import attrs

from ..entities import Account, Contact
from ..errors import Problem
from ..rights import Policy, Principal, Recode
from ..serialization import JSONObject, describe_key, is_nameable, to_dict
from ._refusal import Refusal


def apply_edits(account: Account, edits: Mapping[str, object], refusal: Refusal) -> JSONObject:
    """Write ``account`` as a record with ``edits`` applied; an unknown path is refused."""
    record = copy.deepcopy(to_dict(account))
    for position, (path, value) in enumerate(edits.items(), start=1):
        steps = path.split(".") if isinstance(path, str) else []
        target: object = record
        for step in steps[:-1]:
            target = target.get(step) if isinstance(target, dict) else None
            if target is None and step == "contact":
                record["contact"] = target = attrs.asdict(Contact())
        if not steps or not isinstance(target, dict) or steps[-1] not in target:
            # An unknown path is echoed only when it cannot hold an IBAN or a tax number.
            where = tuple(steps[:-1]) if is_nameable(path) else ()
            message = f"Unknown field {describe_key(path, position)}."
            refusal.problems.append(Problem(where, "unknown_field", message))
            continue
        target[steps[-1]] = value
    return record


def keep_email_flags(before: Account, after: Account) -> Account:
    """A changed contact email follows the card's flag rules, not the copied flags."""
    if after.contact is None or before.contact is None:
        return after
    if after.contact.email == before.contact.email:
        return after
    contact = attrs.evolve(
        before.contact.with_email(after.contact.email),
        **{
            f.name: getattr(after.contact, f.name)
            for f in attrs.fields(type(after.contact))
            if f.name not in ("email", "valid_email", "email_permission")
        },
    )
    return attrs.evolve(after, contact=contact)


def decide_recode(account: Account, by: Principal, policy: Policy, refusal: Refusal) -> None:
    """A changed code is a recode, decided as the policy's `Recode` (273, or 274 for resellers)."""
    decision = policy.decide(by, Recode(), account)
    if decision.rule == "record_security":
        # `edit_problems` already refused the whole edit at (); keep the decision only.
        refusal.denials.append(decision)
        return
    refusal.decision(decision, ("code",))
