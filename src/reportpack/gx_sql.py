"""Two changes to how Great Expectations 1.x (1.24) runs the source rules in the warehouse, so a
20,000-outlet warehouse (12 million daily balances in the window) is checked in little more than
one pass of each rule's SQL. Both keep GX's own metrics, results and SQL; why each is needed:

1. **One query per rule on the yes/no pass.** GX's ``unexpected_rows_expectation`` computes two
   metrics whatever the result format: the rows (``unexpected_rows_query.table``) and their count.
   On the first pass, which only asks whether each rule holds (BOOLEAN_ONLY), the rows are never
   used, yet running the query for them costs a second full scan — 12 s for a day-on-day jump rule
   on 12 million rows. ``unexpected_rows_rule()`` is the same expectation asking only for the count
   then; when the rows are wanted, it asks for at most ``ROWS_KEPT`` of them with a LIMIT, so a
   rule that a million rows break does not first pull the million into memory (psycopg's default
   cursor holds a whole result before GX keeps its first 200).
2. **No full run of a query asset to learn its columns.** GX learns a query asset's columns by
   executing the asset's whole query and reading the cursor's description (``metrics/util.py``
   ``column_reflection_fallback``): for ``daily_balance`` that pulled 12 million rows into memory
   (3 GB, 8 s). ``learn_columns_cheaply`` rewrites exactly that statement to ``LIMIT 0``: same
   columns, no rows.
"""

from __future__ import annotations

import functools

from sqlalchemy import event

#: rows of a broken rule kept (GX's own MAX_RESULT_RECORDS)
ROWS_KEPT = 200
ROWS_METRIC = "unexpected_rows_query.table"
QUERY = "unexpected_rows_query"
GX_TYPE = "unexpected_rows_expectation"


@functools.cache
def unexpected_rows_rule() -> type:
    """GX's ``UnexpectedRowsExpectation``, asking for its rows only when the result format shows
    them, and then for at most ``ROWS_KEPT``. (Defined on first use: importing GX takes seconds.)"""
    from great_expectations.core.result_format import ResultFormat
    from great_expectations.expectations.core.unexpected_rows_expectation import UnexpectedRowsExpectation
    from great_expectations.validator.metric_configuration import MetricConfiguration

    class UnexpectedRowsRule(UnexpectedRowsExpectation):
        def get_validation_dependencies(self, execution_engine=None, runtime_configuration=None):
            deps = super().get_validation_dependencies(execution_engine, runtime_configuration)
            rows = deps.get_metric_configuration(ROWS_METRIC)
            if _format(self._get_result_format(runtime_configuration)) == ResultFormat.BOOLEAN_ONLY:
                deps.remove_metric_configuration(ROWS_METRIC)
            elif rows is not None:
                kwargs = dict(rows.metric_value_kwargs)
                kwargs[QUERY] = f"SELECT * FROM ({kwargs[QUERY]}) AS unexpected_rows LIMIT {ROWS_KEPT}"
                deps.set_metric_configuration(ROWS_METRIC, MetricConfiguration(ROWS_METRIC, rows.metric_domain_kwargs, kwargs))
            return deps

        def _validate(self, metrics, runtime_configuration=None, execution_engine=None):
            if ROWS_METRIC not in metrics:  # the yes/no pass
                return {"success": metrics["unexpected_rows_query.row_count"] == 0}
            return super()._validate(metrics, runtime_configuration, execution_engine)

    return UnexpectedRowsRule


def _format(config) -> str:
    return config.get("result_format") if isinstance(config, dict) else config


def suite_type(type_: str) -> str:
    """The expectation type to build for a suite entry of ``type_``."""
    return unexpected_rows_rule().expectation_type if type_ == GX_TYPE else type_


def public_type(type_: str) -> str:
    """The type as the suite file writes it (for messages and result files)."""
    return GX_TYPE if type_ == unexpected_rows_rule().expectation_type else type_


def learn_columns_cheaply(engine, asset_queries: set[str]) -> None:
    """Have ``engine`` run a bare asset query (GX's column reflection: nothing else runs it
    unwrapped) as ``LIMIT 0``."""

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _limit(conn, cursor, statement, parameters, context, executemany):
        if statement.strip() in asset_queries:
            statement = f"SELECT * FROM ({statement}) AS columns_only LIMIT 0"
        return statement, parameters
