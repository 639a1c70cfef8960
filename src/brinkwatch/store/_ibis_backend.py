"""The Ibis DuckDB backend of a store, reading table schemas with DuckDB's current Arrow API.

Ibis 12 reads schemas with ``fetch_arrow_table()``, which DuckDB 2 deprecates in favour of
``to_arrow_table()``: every ``Store.events`` warned once. The two schema readers below are
Ibis's own, with the non-deprecated call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb
    from ibis.backends import BaseBackend

__all__ = ["ibis_backend"]


def _schema_from(backend: Any, meta: Any) -> Any:
    import ibis.expr.schema as sch

    mapper = backend.compiler.type_mapper
    names = meta["column_name"].to_pylist()
    types = meta["column_type"].to_pylist()
    nulls = meta["null"].to_pylist()
    return sch.Schema(
        {
            n: mapper.from_string(t, nullable=null == "YES")
            for n, t, null in zip(names, types, nulls, strict=True)
        }
    )


def ibis_backend(con: duckdb.DuckDBPyConnection) -> BaseBackend:
    """Return an Ibis backend on ``con`` whose schema lookups raise no DeprecationWarning."""
    import duckdb
    import ibis.common.exceptions as exc
    import sqlglot.expressions as sge
    from ibis.backends.duckdb import Backend

    class _Backend(Backend):  # type: ignore[misc]
        def get_schema(
            self, table_name: str, *, catalog: str | None = None, database: str | None = None
        ) -> Any:
            query = sge.Describe(
                this=sge.table_(table_name, db=database, catalog=catalog, quoted=True)
            ).sql(self.dialect)
            try:
                rel = self.con.sql(query)
            except duckdb.CatalogException:
                raise exc.TableNotFound(table_name) from None
            return _schema_from(self, rel.to_arrow_table())

        def _get_schema_using_query(self, query: str) -> Any:
            return _schema_from(self, self.con.sql(f"DESCRIBE {query}").to_arrow_table())

    backend: BaseBackend = _Backend.from_connection(con)
    return backend
