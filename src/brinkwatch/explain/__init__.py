"""Reciprocity and triangular influence: VAR, Granger tests, impulse responses (statsmodels).

Takes the triad table of :func:`brinkwatch.measure.triad_series` (or any array of series), checks
it (sparse dyads, constant series, stationarity, room for the lags), fits a vector
autoregression and reads it as Goldstein and Freeman's "Three-Way Street" does: who Granger-causes
whom, how each dyad answers the other, and whether a third party's moves change the dyad.
Nothing here opens a file.
"""

from brinkwatch.explain._checks import MIN_RESID_DF, max_feasible_lag, stationarity
from brinkwatch.explain._irf import impulse_responses, ma_rep, simulate_var
from brinkwatch.explain._reciprocity import (
    CLAIM_HORIZON,
    PairReciprocity,
    Reciprocity,
    Response,
    SamePeriod,
    ThirdPartyEffect,
    compare_measures,
)
from brinkwatch.explain._results import (
    GrangerTest,
    ImpulseResponse,
    LagChoice,
    StationarityTest,
    VarianceDecomposition,
)
from brinkwatch.explain._series import DyadMatrix, dyad_matrix, period_unit, split_dyad
from brinkwatch.explain._triad import TriadExplanation, explain_triad
from brinkwatch.explain._var import TriadVAR

__all__ = [
    "CLAIM_HORIZON",
    "MIN_RESID_DF",
    "DyadMatrix",
    "GrangerTest",
    "ImpulseResponse",
    "LagChoice",
    "PairReciprocity",
    "Reciprocity",
    "Response",
    "SamePeriod",
    "StationarityTest",
    "ThirdPartyEffect",
    "TriadExplanation",
    "TriadVAR",
    "VarianceDecomposition",
    "compare_measures",
    "dyad_matrix",
    "explain_triad",
    "impulse_responses",
    "ma_rep",
    "max_feasible_lag",
    "period_unit",
    "simulate_var",
    "split_dyad",
    "stationarity",
]
