"""How refusal, negation and intent change an event's CAMEO code.

"Refused to hold meetings" is not a meeting but a rejection (12x); "considering abrogation of
GSOMIA" is not yet a reduction of relations but a threat of one (13x); "will visit" is an
intent to meet (03x). These tables follow the CAMEO manual's parallel structure between the
cooperative roots and their 03 (intent), 12 (reject) and 13 (threaten) counterparts.
"""

from __future__ import annotations

__all__ = ["as_intent", "as_refusal"]

# Cooperative code -> the rejection of it.
_REFUSE_EXACT = {
    "036": "125",
    "040": "125",
    "041": "125",
    "042": "125",
    "043": "125",
    "044": "125",
    "045": "126",
    "046": "125",
    "038": "126",
    "039": "126",
    "061": "1211",
    "062": "1212",
    "063": "1213",
    "081": "1241",
    "082": "1242",
    "0841": "1243",
    "0842": "1243",
    "085": "1244",
    "086": "1245",
    "0862": "1245",
    "087": "1246",
    "0871": "1246",
    "0872": "1246",
}
_REFUSE_ROOT = {
    "03": "120",
    "04": "125",
    "05": "120",
    "06": "121",
    "07": "122",
    "08": "124",
    "09": "120",
}

# Conflictual code -> the threat of it; cooperative code -> the intent to do it.
_INTENT_EXACT = {
    "160": "131",
    "161": "1313",
    "164": "1313",
    "165": "1313",
    "166": "1313",
    "162": "1311",
    "1621": "1311",
    "1622": "1311",
    "1623": "1311",
    "163": "1312",
    "170": "130",
    "171": "131",
    "1711": "131",
    "1712": "131",
    "172": "132",
    "1721": "1321",
    "1722": "1322",
    "1723": "1323",
    "1724": "1324",
    "173": "137",
    "174": "137",
    "175": "137",
    "191": "1381",
    "192": "1382",
    "204": "1385",
    "2041": "1385",
    "2042": "1385",
    "040": "036",
    "041": "036",
    "042": "036",
    "043": "036",
    "044": "036",
    "046": "036",
    "045": "039",
    "061": "0311",
    "062": "0312",
    "063": "0313",
    "064": "0314",
    "071": "0331",
    "072": "0332",
    "073": "0333",
    "074": "0334",
    "081": "0351",
    "082": "0352",
    "0841": "0353",
    "0842": "0353",
    "085": "0354",
    "086": "0355",
    "087": "0356",
    "0871": "0356",
}
_INTENT_ROOT = {
    "04": "036",
    "05": "032",
    "06": "031",
    "07": "033",
    "08": "035",
    "14": "133",
    "15": "138",
    "16": "131",
    "17": "130",
    "18": "1383",
    "19": "1384",
    "20": "1385",
}


def as_refusal(code: str) -> str | None:
    """Return the code of refusing (or explicitly not doing) the event ``code``.

    Conflictual events that are not done are not events: ``None``.

    Examples
    --------
    >>> as_refusal("046"), as_refusal("085"), as_refusal("163")
    ('125', '1244', None)
    """
    if code in _REFUSE_EXACT:
        return _REFUSE_EXACT[code]
    return _REFUSE_ROOT.get(code[:2])


def as_intent(code: str) -> str:
    """Return the code of intending or threatening ``code`` (01-03 and 09-13 unchanged).

    Examples
    --------
    >>> as_intent("161"), as_intent("042"), as_intent("112")
    ('1313', '036', '112')
    """
    if code in _INTENT_EXACT:
        return _INTENT_EXACT[code]
    return _INTENT_ROOT.get(code[:2], code)
