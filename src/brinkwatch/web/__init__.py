"""The dashboard: FastAPI pages with Plotly figures over a store, and the JSON API behind them.

:func:`create_app` builds the app for one store file; ``brinkwatch serve`` runs it on
127.0.0.1 (see ``docs/dashboard.md``). The pages only declare inputs and views: every number
comes from the measure, explain, simulate and coding stages, and every figure from report/.
"""

from brinkwatch.web._validation import LOCAL_HOSTS, MAX_PATHS, check_host, is_loopback
from brinkwatch.web.app import create_app

__all__ = ["LOCAL_HOSTS", "MAX_PATHS", "check_host", "create_app", "is_loopback"]
