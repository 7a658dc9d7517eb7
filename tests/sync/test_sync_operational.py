"""Operational customers: the digital firewall, link and unlink, replay, and the posting gate."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

import attrs
import pytest
from _sync import T0, account
from hypothesis import given
from hypothesis import strategies as st

from accountcore import Account, AccountStatus, Problem, ValidationError
from accountcore.errors import CODES
from accountcore.status import Operation, can_transact
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
from accountcore.sync.memory import InMemoryOutbox

NAIVE = T0.replace(tzinfo=None)
ACCOUNT = CustomerClass(code="ACC")
GENERIC = CustomerClass(code="GEN", posting=Posting.GENERIC, generic_external_id="G-CASH")
SYNCED = Link(account_key="k1", external_id="X-1")
UNSYNCED = Link(account_key="k1")
OTHERS = Link(account_key="k2", external_id="X-2")
#: The codes this module adds; they must be listed in accountcore.errors.CODES.
NEW_CODES = (
    "customer_not_linked",
    "no_customer_class",
    "account_blocked",
    "account_inactive",
    "account_not_synced",
    "already_linked",
    "not_linked",
)

Reason = tuple[str, tuple[str | int, ...]]
Reasons = set[Reason]
#: Each reason of the posting gate, as (code, path).
NOT_LINKED: Reason = ("customer_not_linked", ("customer", "account_key"))
NO_ACCOUNT: Reason = ("unknown_account", ("account",))
OTHER_ACCOUNT: Reason = ("unknown_account", ("account", "id"))
NO_CLASS: Reason = ("no_customer_class", ("customer_class",))
BLOCKED: Reason = ("account_blocked", ("account", "status"))
INACTIVE: Reason = ("account_inactive", ("account", "status"))
NO_LINK: Reason = ("account_not_synced", ("link",))
NO_RECORD: Reason = ("account_not_synced", ("link", "external_id"))
OTHERS_LINK: Reason = ("account_not_synced", ("link", "account_key"))


def customer(key: str | None = "k1", id: str = "c1", source: str = "pos") -> OperationalCustomer:
    return OperationalCustomer(id=id, name=f"Customer {id}", source=source, account_key=key)


def with_status(status: AccountStatus, key: str = "k1") -> Account:
    return attrs.evolve(account(key), status=status)


def codes(error: pytest.ExceptionInfo[ValidationError]) -> Reasons:
    return {(p.code, p.path) for p in error.value.problems}


def reasons(route: PostingRoute) -> Reasons:
    return {(p.code, p.path) for p in route.reasons}


class TestOperationalCustomer:
    """An operational customer guards its invariants and is never an account."""

    def test_valid(self) -> None:
        """A customer with an id, a name and a source is built, unlinked by default."""
        built = OperationalCustomer(id="c1", name="Walk-in", source="pos")
        assert built.account_key is None and not isinstance(built, Account)

    def test_every_blank_field_is_reported(self) -> None:
        """Blank id, name, source and account key are all reported, each at its path."""
        with pytest.raises(ValidationError) as error:
            OperationalCustomer(id=" ", name="", source="\t", account_key="")
        paths = [("id",), ("name",), ("source",), ("account_key",)]
        assert codes(error) == {("required", path) for path in paths}

    def test_non_text_is_invalid_type(self) -> None:
        """An id that is not text is an invalid type."""
        with pytest.raises(ValidationError) as error:
            OperationalCustomer(id=cast(str, 7), name="n", source="pos")
        assert codes(error) == {("invalid_type", ("id",))}


class TestFirewall:
    """An operational customer never reaches the outbox or the accounting system."""

    @pytest.mark.parametrize("kind", list(ChangeKind))
    def test_change_refuses_an_operational_snapshot(self, kind: ChangeKind) -> None:
        """A change whose snapshot is an operational customer is refused as not_an_account."""
        smuggled = cast(Account, customer(key="k1"))
        with pytest.raises(ValidationError) as error:
            Change(
                change_id="c", account_key="k1", seq=1, kind=kind, saved_at=T0, snapshot=smuggled
            )
        assert ("not_an_account", ("snapshot",)) in codes(error)

    def test_evolve_cannot_smuggle_it_in(self) -> None:
        """Swapping the snapshot of a valid change for an operational customer is refused too."""
        valid = Change(
            change_id="c", account_key="k1", seq=1, kind=ChangeKind.CREATE, saved_at=T0,
            snapshot=account("k1"),
        )  # fmt: skip
        with pytest.raises(ValidationError) as error:
            attrs.evolve(valid, snapshot=cast(Account, customer()))
        assert ("not_an_account", ("snapshot",)) in codes(error)

    def test_outbox_never_receives_it(self) -> None:
        """Since no change can carry an operational customer, the outbox stays empty."""
        outbox = InMemoryOutbox()
        with pytest.raises(ValidationError):
            outbox.append(
                [
                    Change(
                        change_id="c", account_key="k1", seq=1, kind=ChangeKind.UPDATE,
                        saved_at=T0, snapshot=cast(Account, customer()),
                    )
                ]
            )  # fmt: skip
        assert outbox.pending() == [] and outbox.appended == 0


class TestLinkAndUnlink:
    """Linking and unlinking are explicit actions that return the new value and an event."""

    def test_link(self) -> None:
        """Linking sets the account key and records who linked it, when, to what."""
        linked, event = link_customer(customer(key=None), "k1", at=T0, by="ann")
        assert linked == customer(key="k1")
        assert event == CustomerLinked(
            customer_id="c1", source="pos", account_key="k1", at=T0, by="ann"
        )

    def test_unlink(self) -> None:
        """Unlinking clears the account key and the event names the key it left."""
        unlinked, event = unlink_customer(customer(key="k1"), at=T0)
        assert unlinked == customer(key=None)
        assert event == CustomerUnlinked(customer_id="c1", source="pos", account_key="k1", at=T0)

    @pytest.mark.parametrize("key", ["k1", "k2"])
    def test_link_while_linked_is_refused(self, key: str) -> None:
        """Linking a linked customer, even to the same key, is refused: unlink first."""
        with pytest.raises(ValidationError) as error:
            link_customer(customer(key="k1"), key, at=T0)
        assert codes(error) == {("already_linked", ("customer", "account_key"))}
        assert "unlink it first" in error.value.problems[0].message

    def test_unlink_while_unlinked_is_refused(self) -> None:
        """Unlinking an unlinked customer is refused as not_linked."""
        with pytest.raises(ValidationError) as error:
            unlink_customer(customer(key=None), at=T0)
        assert codes(error) == {("not_linked", ("customer", "account_key"))}

    def test_every_problem_of_a_link_is_reported(self) -> None:
        """A linked customer, a blank key and a naive instant are reported together."""
        with pytest.raises(ValidationError) as error:
            link_customer(customer(key="k1"), " ", at=NAIVE, by="")
        assert codes(error) == {
            ("already_linked", ("customer", "account_key")),
            ("required", ("account_key",)),
            ("naive_datetime", ("at",)),
            ("required", ("by",)),
        }

    def test_account_is_not_a_customer(self) -> None:
        """Passing an account where an operational customer belongs is an invalid type."""
        with pytest.raises(ValidationError) as error:
            unlink_customer(cast(OperationalCustomer, account("k1")), at=T0)
        assert codes(error) == {("invalid_type", ("customer",))}

    def test_events_guard_their_invariants(self) -> None:
        """An event with a naive instant or a blank key cannot be built."""
        with pytest.raises(ValidationError) as error:
            CustomerUnlinked(customer_id="c1", source="pos", account_key="", at=NAIVE)
        assert codes(error) == {("required", ("account_key",)), ("naive_datetime", ("at",))}

    def test_many_customers_link_to_one_account(self) -> None:
        """Several operational customers link to one account customer, kept in input order."""
        many = [customer(key=None, id=f"c{i}", source=s) for i, s in enumerate("ab" * 3)]
        linked = [link_customer(c, "k1" if i % 3 else "k2", at=T0)[0] for i, c in enumerate(many)]
        assert linked_customers(linked, "k1") == (linked[1], linked[2], linked[4], linked[5])
        assert linked_customers(linked, "k2") == (linked[0], linked[3])
        assert linked_customers(linked, "k3") == ()

    @given(st.lists(st.sampled_from(["k1", "k2", None]), max_size=12))
    def test_linked_customers_partition(self, keys: list[str | None]) -> None:
        """Every linked customer is listed under exactly its own account key, in order."""
        customers = [customer(key=k, id=f"c{i}") for i, k in enumerate(keys)]
        found = {key: linked_customers(customers, key) for key in ("k1", "k2")}
        assert sum(len(v) for v in found.values()) == sum(k is not None for k in keys)
        for key, listed in found.items():
            assert all(c.account_key == key for c in listed)
            assert [customers.index(c) for c in listed] == sorted(
                customers.index(c) for c in listed
            )


#: One attempt: ("link", key) or ("unlink", None), and whether its instant is aware.
ATTEMPTS = st.lists(
    st.tuples(
        st.one_of(
            st.tuples(st.just("link"), st.sampled_from(["k1", "k2", " "])),
            st.tuples(st.just("unlink"), st.none()),
        ),
        st.booleans(),
    ),
    max_size=20,
)


class TestReplayLinks:
    """Replaying the recorded events rebuilds the link state, and refuses what does not fit."""

    def test_replay(self) -> None:
        """Link, unlink and link again replay to the last link."""
        start = customer(key=None)
        one, linked = link_customer(start, "k1", at=T0)
        two, unlinked = unlink_customer(one, at=T0)
        three, relinked = link_customer(two, "k2", at=T0)
        assert replay_links(start, [linked, unlinked, relinked]) == three
        assert replay_links(start, []) == start

    @pytest.mark.parametrize(
        ("start", "event"),
        [
            (None, CustomerLinked(customer_id="c2", source="pos", account_key="k1", at=T0)),
            (None, CustomerLinked(customer_id="c1", source="crm", account_key="k1", at=T0)),
            ("k1", CustomerLinked(customer_id="c1", source="pos", account_key="k2", at=T0)),
            ("k1", CustomerLinked(customer_id="c1", source="pos", account_key="k1", at=T0)),
            (None, CustomerUnlinked(customer_id="c1", source="pos", account_key="k1", at=T0)),
            ("k2", CustomerUnlinked(customer_id="c1", source="pos", account_key="k1", at=T0)),
            (None, cast(CustomerLinked, "not an event")),
        ],
        ids=["other id", "other source", "link linked", "relink", "unlink", "other key", "junk"],
    )
    def test_misfit_is_refused_with_its_index(
        self, start: str | None, event: CustomerLinked | CustomerUnlinked
    ) -> None:
        """An event that does not fit the state it meets is refused at its index."""
        key = start or "k9"
        link = CustomerLinked(customer_id="c1", source="pos", account_key=key, at=T0)
        unlink = CustomerUnlinked(customer_id="c1", source="pos", account_key=key, at=T0)
        prefix = [link, unlink] if start is None else [unlink, link]
        with pytest.raises(ValidationError) as error:
            replay_links(customer(key=start), [*prefix, event])
        assert codes(error) == {("event_does_not_apply", ("events", 2))}

    @given(ATTEMPTS)
    def test_successful_events_replay_to_the_same_customer(
        self, attempts: list[tuple[tuple[str, str | None], bool]]
    ) -> None:
        """Replaying the accepted attempts' events gives the final customer; refusals keep it."""
        start = current = customer(key=None)
        events: list[CustomerLinked | CustomerUnlinked] = []
        for index, ((action, key), aware) in enumerate(attempts):
            at = T0 + timedelta(minutes=index)
            at = at if aware else at.replace(tzinfo=None)
            expected = set() if aware else {"naive_datetime"}
            if action == "link":
                assert key is not None
                expected |= {"already_linked"} if current.account_key else set()
                expected |= {"required"} if not key.strip() else set()
            elif current.account_key is None:
                expected.add("not_linked")
            before = current
            try:
                if action == "link":
                    assert key is not None
                    current, event = link_customer(current, key, at=at)
                else:
                    current, event = unlink_customer(current, at=at)
            except ValidationError as error:
                assert {p.code for p in error.problems} == expected
                assert current is before and replay_links(start, events) == before
                continue
            assert not expected
            assert current.account_key == (key if action == "link" else None)
            events.append(event)
        assert replay_links(start, events) == current


class TestPostingRoute:
    """The posting gate: where an invoice posts, or every reason it requires attention."""

    def test_account_class_posts_to_the_link(self) -> None:
        """An Account-class customer posts to its account customer's own remote record."""
        route = posting_route(
            customer(), account=account("k1"), customer_class=ACCOUNT, link=SYNCED
        )
        assert route == PostingRoute.to("X-1", Posting.ACCOUNT) and route.can_post

    @pytest.mark.parametrize("link", [None, Link(account_key="k1"), SYNCED])
    def test_generic_class_posts_to_the_generic_customer(self, link: Link | None) -> None:
        """A Generic-class customer posts to the shared generic customer, synced or not."""
        route = posting_route(customer(), account=account("k1"), customer_class=GENERIC, link=link)
        assert route == PostingRoute.to("G-CASH", Posting.GENERIC)

    @pytest.mark.parametrize(
        "status",
        [AccountStatus.ACTIVE, AccountStatus.REFERENCE, AccountStatus.PILOT, AccountStatus.PASSIVE],
    )
    def test_these_statuses_may_post(self, status: AccountStatus) -> None:
        """Active, Reference, Pilot and Passive account customers take invoices."""
        route = posting_route(
            customer(), account=with_status(status), customer_class=ACCOUNT, link=SYNCED
        )
        assert route.can_post

    def test_status_reasons_follow_the_status_rule(self) -> None:
        """A status stops posting exactly when it refuses a new invoice (can_transact)."""
        for status in AccountStatus:
            route = posting_route(
                customer(), account=with_status(status), customer_class=GENERIC, link=None
            )
            assert route.can_post == can_transact(status, Operation.INVOICE), status

    @pytest.mark.parametrize(
        ("key", "acct", "cls", "link", "expected"),
        [
            (None, "k1", GENERIC, None, {NOT_LINKED}),
            ("k1", None, GENERIC, None, {NO_ACCOUNT}),
            ("k1", "k2", GENERIC, None, {OTHER_ACCOUNT}),
            ("k1", "k1", None, SYNCED, {NO_CLASS}),
            ("k1", AccountStatus.BLOCKED, GENERIC, None, {BLOCKED}),
            ("k1", AccountStatus.INACTIVE, ACCOUNT, SYNCED, {INACTIVE}),
            ("k1", "k1", ACCOUNT, None, {NO_LINK}),
            ("k1", "k1", ACCOUNT, UNSYNCED, {NO_RECORD}),
            ("k1", "k1", ACCOUNT, OTHERS, {OTHERS_LINK}),
            (None, None, None, None, {NOT_LINKED, NO_CLASS}),
            ("k1", AccountStatus.BLOCKED, ACCOUNT, None, {BLOCKED, NO_LINK}),
            ("k1", None, None, None, {NO_ACCOUNT, NO_CLASS}),
            ("k1", "k2", ACCOUNT, UNSYNCED, {OTHER_ACCOUNT, NO_RECORD}),
            ("k1", AccountStatus.INACTIVE, None, OTHERS, {INACTIVE, NO_CLASS}),
        ],
        ids=[
            "not linked", "no account", "other account", "no class", "blocked", "inactive",
            "no link", "no remote record", "other's link", "unlinked, no class",
            "blocked and unsynced", "no account, no class", "other account, unsynced",
            "inactive, no class",
        ],
    )  # fmt: skip
    def test_reasons(
        self,
        key: str | None,
        acct: str | AccountStatus | None,
        cls: CustomerClass | None,
        link: Link | None,
        expected: Reasons,
    ) -> None:
        """Each reason alone, and several at once, is reported at its argument's path."""
        if isinstance(acct, AccountStatus):
            built: Account | None = with_status(acct)
        else:
            built = None if acct is None else account(acct)
        route = posting_route(customer(key=key), account=built, customer_class=cls, link=link)
        assert reasons(route) == expected
        assert not route.can_post and route.external_id is None and route.posting is None
        assert all(p.message.strip() for p in route.reasons)

    @pytest.mark.parametrize(
        ("arguments", "path"),
        [
            ({"customer": account("k1")}, "customer"),
            ({"account": customer()}, "account"),
            ({"customer_class": "ACC"}, "customer_class"),
            ({"link": "X-1"}, "link"),
        ],
    )
    def test_wrong_types_are_refused(self, arguments: dict[str, object], path: str) -> None:
        """An argument of the wrong type is an invalid_type at its name."""
        given_: dict[str, object] = {
            "customer": customer(), "account": None, "customer_class": None, "link": None,
        } | arguments  # fmt: skip
        with pytest.raises(ValidationError) as error:
            posting_route(**given_)  # type: ignore[arg-type]
        assert codes(error) == {("invalid_type", (path,))}

    def test_route_invariants(self) -> None:
        """A route either posts somewhere with no reasons, or gives reasons and posts nowhere."""
        reason = Problem(("customer_class",), "no_customer_class", "m")
        assert not PostingRoute.requires_attention([reason]).can_post
        for bad in (
            {"reasons": ()},
            {"external_id": "X-1"},
            {"external_id": "X-1", "posting": Posting.ACCOUNT, "reasons": (reason,)},
            {"posting": Posting.GENERIC, "reasons": (reason,)},
        ):
            with pytest.raises(ValidationError):
                PostingRoute(**bad)  # type: ignore[arg-type]

    @given(
        linked=st.booleans(),
        which=st.sampled_from(["none", "same", "other"]),
        status=st.sampled_from(AccountStatus),
        cls=st.sampled_from([None, ACCOUNT, GENERIC]),
        link=st.sampled_from([None, SYNCED, UNSYNCED, OTHERS]),
    )
    def test_property(
        self,
        linked: bool,
        which: str,
        status: AccountStatus,
        cls: CustomerClass | None,
        link: Link | None,
    ) -> None:
        """can_post holds iff there is no reason, and the reasons are exactly the predicted set."""
        acct = {"none": None, "same": with_status(status), "other": with_status(status, "k2")}
        route = posting_route(
            customer(key="k1" if linked else None),
            account=acct[which],
            customer_class=cls,
            link=link,
        )
        expected = predicted(linked, which, status, cls, link)
        assert reasons(route) == expected
        assert route.can_post == (not expected)
        if route.can_post:
            assert cls is not None and route.posting is cls.posting
            target = cls.generic_external_id if cls is GENERIC else SYNCED.external_id
            assert route.external_id == target


def predicted(
    linked: bool, which: str, status: AccountStatus, cls: CustomerClass | None, link: Link | None
) -> Reasons:
    """The reasons docs/rules.md#sync and the gate's documented decisions call for."""
    out: Reasons = set()
    if not linked:
        out.add(NOT_LINKED)
    elif which != "same":
        out.add(NO_ACCOUNT if which == "none" else OTHER_ACCOUNT)
    elif status in (AccountStatus.BLOCKED, AccountStatus.INACTIVE):
        out.add(BLOCKED if status is AccountStatus.BLOCKED else INACTIVE)
    if cls is None:
        out.add(NO_CLASS)
    elif cls is ACCOUNT and linked and link is not SYNCED:
        out.add({None: NO_LINK, UNSYNCED: NO_RECORD, OTHERS: OTHERS_LINK}[link])
    return out


class TestCodes:
    """Every code this module emits is a listed, stable code."""

    @pytest.mark.parametrize("code", NEW_CODES)
    def test_code_is_listed(self, code: str) -> None:
        """The code appears in accountcore.errors.CODES (and so in docs/errors.md)."""
        assert code in CODES
