"""Versioned JSON suites, one per table, and the severity overrides checked against them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsdesk.config import SEVERITIES


@dataclass(frozen=True)
class Expectation:
    """One expectation of a suite, as written in its JSON file."""

    id: str
    type: str
    kwargs: dict[str, Any]
    severity: str
    note: str = ""


@dataclass(frozen=True)
class Suite:
    """A table's suite: key columns, derived columns (polars SQL) and expectations."""

    name: str
    version: int
    primary_key: tuple[str, ...]
    derive: dict[str, str]
    expectations: tuple[Expectation, ...]


def load_suites(directory: Path) -> dict[str, Suite]:
    """Read every `<table>.json` suite in directory; raise ValueError on a malformed one."""
    suites: dict[str, Suite] = {}
    seen: set[str] = set()
    for path in sorted(Path(directory).glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        name = raw.get("suite")
        if name != path.stem:
            raise ValueError(f"{path}: suite name {name!r} must match the file name")
        expectations = []
        for item in _expand_schema(raw) + list(raw.get("expectations", [])):
            exp = Expectation(
                id=item["id"],
                type=item["type"],
                kwargs=dict(item.get("kwargs", {})),
                severity=item.get("severity", "blocking"),
                note=item.get("note", ""),
            )
            if exp.severity not in SEVERITIES:
                raise ValueError(f"{path}: {exp.id}: severity must be one of {SEVERITIES}")
            if exp.id in seen:
                raise ValueError(f"{path}: duplicate expectation id {exp.id}")
            seen.add(exp.id)
            expectations.append(exp)
        suites[name] = Suite(
            name=name,
            version=int(raw.get("version", 1)),
            primary_key=tuple(raw.get("primary_key", ())),
            derive=dict(raw.get("derive", {})),
            expectations=tuple(expectations),
        )
    return suites


def _expand_schema(raw: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The suite's "columns" map → columns-present and one type expectation per column."""
    columns: Mapping[str, str] = raw.get("columns", {})
    if not columns:
        return []
    name, severity = raw["suite"], raw.get("schema_severity", "blocking")
    present = {
        "id": f"{name}_columns_present",
        "type": "expect_table_columns_to_match_set",
        "kwargs": {"column_set": list(columns), "exact_match": False},
        "severity": severity,
    }
    types = [
        {
            "id": f"{name}_{col}_type",
            "type": "expect_column_values_to_be_of_type",
            "kwargs": {"column": col, "type_": type_},
            "severity": severity,
        }
        for col, type_ in columns.items()
    ]
    return [present, *types]


def check_overrides(suites: Mapping[str, Suite], overrides: Mapping[str, str]) -> None:
    """A typo in the config must not silently leave a check at its default severity."""
    known = {e.id for s in suites.values() for e in s.expectations}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"severity overrides name unknown expectations: {', '.join(unknown)}")
    bad = sorted(k for k, v in overrides.items() if v not in SEVERITIES)
    if bad:
        raise ValueError(f"severity overrides must be one of {SEVERITIES}: {', '.join(bad)}")
