"""Data-quality suites: versioned JSON → Great Expectations over pandas frames → dq_results."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

SEVERITIES = ("blocking", "warning")
MAX_ROWS = 20
DOCS_SITE = "local_site"
DQ_COLUMNS = ("run_id", "checked_at", "suite", "expectation", "success", "details")


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


@dataclass(frozen=True)
class CheckOutcome:
    """The result of one expectation on one table."""

    suite: str
    expectation: str
    success: bool
    severity: str
    details: dict


@dataclass(frozen=True)
class QualityReport:
    """Every expectation evaluated in one run, and where its Data Docs are."""

    run_id: str
    outcomes: list[CheckOutcome]
    docs_index: Path | None
    checked_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None))

    @property
    def failed_blocking(self) -> list[CheckOutcome]:
        """Failed expectations that must fail the run."""
        return [o for o in self.outcomes if not o.success and o.severity == "blocking"]

    @property
    def failed_warning(self) -> list[CheckOutcome]:
        """Failed expectations that are only reported."""
        return [o for o in self.outcomes if not o.success and o.severity == "warning"]

    def summary_line(self) -> str:
        """One line naming the failing expectations and their offending rows."""
        failed = self.failed_blocking + self.failed_warning
        if not failed:
            return f"all {len(self.outcomes)} expectations passed"
        return "; ".join(_describe(o) for o in failed)

    def to_frame(self) -> pl.DataFrame:
        """Rows for the dq_results table."""
        return pl.DataFrame(
            {
                "run_id": [self.run_id] * len(self.outcomes),
                "checked_at": [self.checked_at] * len(self.outcomes),
                "suite": [o.suite for o in self.outcomes],
                "expectation": [o.expectation for o in self.outcomes],
                "success": [o.success for o in self.outcomes],
                "details": [
                    json.dumps({"severity": o.severity, **o.details}, ensure_ascii=False)
                    for o in self.outcomes
                ],
            },
            schema={
                "run_id": pl.String,
                "checked_at": pl.Datetime("us"),
                "suite": pl.String,
                "expectation": pl.String,
                "success": pl.Boolean,
                "details": pl.String,
            },
        )


def _describe(outcome: CheckOutcome) -> str:
    """'prices_low_le_high failed on 1 row: (ADBE, 2024-02-16)' and its kin."""
    name = outcome.expectation + (" (warning)" if outcome.severity == "warning" else "")
    d = outcome.details
    if "exception" in d:
        return f"{name} failed: {d['exception']}"
    if "missing" in d:
        return f"{name} failed: missing {', '.join(map(str, d['missing']))}"
    if "mismatched" in d:
        missing = d["mismatched"].get("missing") or []
        return f"{name} failed: missing columns {', '.join(missing)}"
    count = d.get("unexpected_count")
    if count:
        rows = d.get("rows", [])
        shown = ", ".join("(" + ", ".join(str(v) for v in r.values()) + ")" for r in rows[:5])
        more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
        return f"{name} failed on {count} row{'s' if count != 1 else ''}: {shown}{more}"
    if "observed_value" in d:
        return f"{name} failed: observed {d['observed_value']}"
    return f"{name} failed"


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


def run_checks(
    frames: Mapping[str, pl.DataFrame],
    *,
    run_id: str,
    run_date: date,
    suites_dir: Path,
    docs_dir: Path | None,
    severity_overrides: Mapping[str, str] = {},  # noqa: B006 - read-only, part of the API
    expected_symbols: Sequence[str] = (),
    today: date | None = None,
) -> QualityReport:
    """Validate each loaded table against its suite; build Data Docs under docs_dir if given.

    `today` (default: the UTC date) bounds "no future dates"; `run_date` picks the watchlist day.
    """
    suites = load_suites(suites_dir)
    _check_overrides(suites, severity_overrides)
    checked_at = datetime.now(UTC).replace(tzinfo=None)
    today = today or checked_at.date()
    to_run = {name: frames[name] for name in sorted(frames) if name in suites}
    prepared = {
        name: _to_pandas(prepare_frame(frame, suites[name], run_date=run_date, today=today))
        for name, frame in to_run.items()
    }
    params = {"expected_symbols": sorted(set(expected_symbols)), "run_date": run_date.isoformat()}
    results = _validate(
        {name: suites[name] for name in prepared}, prepared, params, docs_dir, run_id, checked_at
    )
    outcomes = []
    for name, result in results.items():
        suite = suites[name]
        by_id = {r.expectation_config.meta.get("id"): r for r in result.results}
        for exp in suite.expectations:
            severity = severity_overrides.get(exp.id, exp.severity)
            res = by_id[exp.id]
            details = _details(exp, res, suite, prepared[name], params)
            outcomes.append(CheckOutcome(name, exp.id, bool(res.success), severity, details))
    index = Path(docs_dir) / "index.html" if docs_dir is not None else None
    return QualityReport(run_id=run_id, outcomes=outcomes, docs_index=index, checked_at=checked_at)


def _check_overrides(suites: Mapping[str, Suite], overrides: Mapping[str, str]) -> None:
    """A typo in the config must not silently leave a check at its default severity."""
    known = {e.id for s in suites.values() for e in s.expectations}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"severity overrides name unknown expectations: {', '.join(unknown)}")
    bad = sorted(k for k, v in overrides.items() if v not in SEVERITIES)
    if bad:
        raise ValueError(f"severity overrides must be one of {SEVERITIES}: {', '.join(bad)}")


def prepare_frame(
    frame: pl.DataFrame, suite: Suite, *, run_date: date, today: date
) -> pl.DataFrame:
    """Add the suite's key and derived columns (cross-column figures GX checks as one column)."""
    df = frame.with_columns(run_date=pl.lit(run_date), today=pl.lit(today))
    if suite.primary_key and all(c in df.columns for c in suite.primary_key):
        df = df.with_columns(
            pk=pl.concat_str([pl.col(c).cast(pl.String) for c in suite.primary_key], separator="|")
        )
    for column, sql in suite.derive.items():
        try:
            df = df.with_columns(pl.sql_expr(sql).alias(column))
        except pl.exceptions.PolarsError:
            # A missing source column: the columns-present expectation names it.
            continue
    return df.drop("run_date", "today")


def _to_pandas(frame: pl.DataFrame) -> Any:
    """Nullable ints and bools so a NULL does not turn an int column into float64."""
    import pandas as pd
    import pyarrow as pa

    def mapper(t: pa.DataType) -> Any:
        if pa.types.is_integer(t):
            return pd.Int64Dtype()
        if pa.types.is_boolean(t):
            return pd.BooleanDtype()
        return None

    return frame.to_pandas(types_mapper=mapper)


def _context(docs_dir: Path | None) -> Any:
    """An in-memory GX context, its Data Docs site (if any) on disk under docs_dir."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if docs_dir is not None:
        sites[DOCS_SITE] = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(Path(docs_dir).resolve()),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites=sites,
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _validate(
    suites: Mapping[str, Suite],
    frames: Mapping[str, Any],
    params: Mapping[str, Any],
    docs_dir: Path | None,
    run_id: str,
    checked_at: datetime,
) -> dict[str, Any]:
    """Run each suite on its frame in one GX context; results are kept for Data Docs."""
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    context = _context(docs_dir)
    source = context.data_sources.add_pandas("newsdesk")
    gx_run = RunIdentifier(run_name=run_id, run_time=checked_at.replace(tzinfo=UTC))
    results = {}
    for name, suite in suites.items():
        gx_suite = gx.ExpectationSuite(name=name, meta={"version": suite.version})
        for exp in suite.expectations:
            config = ExpectationConfiguration(
                type=exp.type,
                kwargs=exp.kwargs,
                meta={"id": exp.id, "severity": exp.severity, "note": exp.note},
            )
            gx_suite.add_expectation(config.to_domain_obj())
        gx_suite = context.suites.add(gx_suite)
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("loaded")
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch, suite=gx_suite)
        )
        keys = [c for c in suite.primary_key if c in frames[name].columns]
        results[name] = definition.run(
            batch_parameters={"dataframe": frames[name]},
            expectation_parameters=dict(params),
            result_format={
                "result_format": "SUMMARY",
                "partial_unexpected_count": MAX_ROWS,
                "unexpected_index_column_names": keys,
            },
            run_id=gx_run,
        )
    if docs_dir is not None and results:
        context.build_data_docs(site_names=[DOCS_SITE])
    return results


def _details(
    exp: Expectation, res: Any, suite: Suite, frame: Any, params: Mapping[str, Any]
) -> dict[str, Any]:
    """unexpected_count, up to MAX_ROWS offending rows (key columns), observed value or error."""
    result = dict(res.result or {})
    details: dict[str, Any] = {}
    error = _exception_message(res.exception_info)
    if error:
        details["exception"] = error
        return details
    if "unexpected_count" in result:
        details["unexpected_count"] = int(result["unexpected_count"])
        rows: list[dict[str, Any]] = []
        for row in result.get("partial_unexpected_index_list") or []:
            keyed = {k: _plain(row[k]) for k in suite.primary_key if k in row}
            if keyed and keyed not in rows:
                rows.append(keyed)
        details["rows"] = rows[:MAX_ROWS]
    mismatched = (result.get("details") or {}).get("mismatched")
    if mismatched:
        details["mismatched"] = _plain(mismatched)
    elif result.get("observed_value") is not None:
        details["observed_value"] = _plain(result["observed_value"])
    if exp.type == "expect_column_distinct_values_to_contain_set" and not res.success:
        # GX reports no usable observed set here, so name the missing values ourselves.
        column = exp.kwargs["column"]
        wanted = exp.kwargs.get("value_set")
        if isinstance(wanted, dict):
            wanted = params.get(wanted.get("$PARAMETER", ""), [])
        present = set(frame[column].dropna().tolist()) if column in frame.columns else set()
        missing = [v for v in wanted or [] if v not in present]
        details.update(
            missing=missing,
            unexpected_count=len(missing),
            rows=[{column: v} for v in missing[:MAX_ROWS]],
        )
    return details


def _exception_message(info: Any) -> str | None:
    """GX nests errors per metric; surface the first message."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "error").splitlines()[0]
    for value in info.values():
        message = _exception_message(value)
        if message:
            return message
    return None


def _plain(value: Any) -> Any:
    """JSON-friendly: dates as ISO strings, numpy scalars as Python, NaN/NA as None."""
    import pandas as pd

    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
