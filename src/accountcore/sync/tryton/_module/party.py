"""
The fields the ``accountcore_sync`` Tryton module adds to ``party.party``.
"""

from trytond.model import Index, Unique, fields
from trytond.pool import PoolMeta

__all__ = ["Party"]


class Party(metaclass=PoolMeta):
    """
    A party that accountcore may link to an account by its account key.
    """

    __name__ = "party.party"

    accountcore_key = fields.Char(
        "accountcore Account Key",
        readonly=True,
        help="The key of the accountcore account this party holds; set by the sync.",
    )
    accountcore_snapshot = fields.Text(
        "accountcore Snapshot",
        readonly=True,
        help="The account as accountcore last wrote it, as JSON.",
    )

    @classmethod
    def __setup__(cls) -> None:
        super().__setup__()
        table = cls.__table__()
        cls._sql_constraints.append(
            (
                "accountcore_key_unique",
                Unique(table, table.accountcore_key),
                "accountcore_sync.msg_accountcore_key_unique",
            )
        )
        cls._sql_indexes.add(
            Index(table, (table.accountcore_key, Index.Equality(cardinality="high")))
        )
