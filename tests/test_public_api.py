"""The public API is pinned: adding or removing a name is a reviewed decision."""

from __future__ import annotations

import importlib

import pytest

PUBLIC = {
    "accountcore": {
        "BIC",
        "DUNS",
        "GLN",
        "IBAN",
        "Account",
        "AccountCoreError",
        "AccountStatus",
        "AccountType",
        "Address",
        "BankAccount",
        "ChamberOfCommerceNumber",
        "CheckStrength",
        "CodeAllocation",
        "Contact",
        "DefinitionError",
        "Financial",
        "FreeField",
        "FreeFieldKind",
        "General",
        "GroupInvoice",
        "Marketing",
        "Problem",
        "Relations",
        "Summary",
        "VATNumber",
        "ValidationError",
        "ValidationReport",
        "__version__",
        "allocate_code",
        "check_account",
        "from_dict",
        "to_dict",
        "validate",
    },
    "accountcore.errors": {
        "CODES",
        "AccountCoreError",
        "DefinitionError",
        "InvalidTransition",
        "InvalidTypeChange",
        "Problem",
        "ValidationError",
        "ActionRefused",
        "RightDenied",
    },
    "accountcore.rights": {
        "CARD_FIELDS", "DEFAULT_ROLES", "MESSAGES", "PROTECTED_FIELDS", "AccountDefaults",
        "Action", "Button", "CardLayout", "Catalogue", "ChangeStatus", "ChangeType", "Create",
        "CustomiseCard", "Decision", "Delete", "EditField", "FieldMode", "FieldRule",
        "FunctionRight", "Maintain", "Merge", "Policy", "Principal", "Recode", "Role",
        "RunDeduplication", "Settings", "View", "can_see", "changed_fields", "edit_problems",
        "layout_problems", "redact", "require", "visible",
    },  # fmt: skip
    "accountcore.workflows": {
        "Outcome", "change_status", "change_type", "create_account", "delete_account",
        "edit_fields",
    },  # fmt: skip
    "accountcore.status": {
        "DEFAULT_ROWS",
        "ContractLookup",
        "Operation",
        "StatusChanged",
        "TransitionTable",
        "TypeChangeRules",
        "TypeChanged",
        "allowed_targets",
        "can_transact",
        "can_transition",
        "change_type",
        "holdable_statuses",
        "replay",
        "to_dot",
        "to_mermaid",
        "transition",
    },
    "accountcore.entities": {
        "CARD_TYPES",
        "IBAN_BANK_ACCOUNT_TYPE",
        "PICTURE_FORMATS",
        "Account",
        "AccountStatus",
        "AccountType",
        "Address",
        "BankAccount",
        "Contact",
        "Financial",
        "FreeField",
        "FreeFieldKind",
        "FreeFieldValue",
        "General",
        "GroupInvoice",
        "Marketing",
        "Relations",
        "Summary",
    },
    "accountcore.identifiers": {
        "BIC",
        "DUNS",
        "GLN",
        "IBAN",
        "CheckStrength",
        "ChamberOfCommerceNumber",
        "Identifier",
        "VATNumber",
        "mask",
    },
    "accountcore.validation": {
        "AccountDirectory",
        "CostCentres",
        "DirectoryEntry",
        "SectorCatalogue",
        "SkippedCheck",
        "ValidationReport",
        "check_account",
        "validate",
    },
    "accountcore.serialization": {
        "JSONObject",
        "JSONValue",
        "configure_converter",
        "from_dict",
        "make_converter",
        "problems_of",
        "to_dict",
    },
    "accountcore.codes": {"CodeAllocation", "allocate_code", "normalise_code"},
    "accountcore.testing": {
        "BrokenRecord", "account_dicts", "account_statuses", "account_types", "accounts",
        "addresses", "bank_account_lists", "bank_accounts", "bics", "broken_account_dicts",
        "broken_records", "coc_numbers", "contacts", "duns_numbers", "free_fields", "glns",
        "ibans", "json_values", "vat_numbers",
    },
}


@pytest.mark.parametrize("module_name", sorted(PUBLIC))
def test_all_is_pinned(module_name: str) -> None:
    """Each public module's __all__ is exactly the pinned set, and every name resolves."""
    module = importlib.import_module(module_name)
    assert set(module.__all__) == PUBLIC[module_name]
    for name in module.__all__:
        assert getattr(module, name) is not None
