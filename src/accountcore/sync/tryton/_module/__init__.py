"""
The Tryton module ``accountcore_sync``: where a party keeps its accountcore account key.

Activate it in the Tryton database the adapter writes to; ``tryton.cfg`` registers its one
model. It adds two fields to ``party.party``: ``accountcore_key``, unique, so a replayed
create finds the party it made; and ``accountcore_snapshot``, the account as last written,
for the fields Tryton has no place for.
"""
