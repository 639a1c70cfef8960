"""The test cluster: a real Spark standalone master and worker run the work of the session."""

from __future__ import annotations

from typing import Any


def test_the_session_runs_on_the_standalone_cluster(spark_session: Any, spark_cluster: str) -> None:
    assert spark_cluster.startswith("spark://127.0.0.1:")
    assert spark_session.sparkContext.master == spark_cluster
    # A job whose tasks run in the worker's executor, not in the driver.
    assert spark_session.range(1000, numPartitions=4).selectExpr("sum(id)").first()[0] == 499500
    executors = spark_session.sparkContext._jsc.sc().getExecutorMemoryStatus().size()
    assert executors >= 2  # the driver and at least one executor on the worker
