"""codebook.json: what every table and column means, and the catalogues in force for this run."""
from __future__ import annotations

from typing import Any

from pipeline.output.tables import TABLES
from pipeline.rules import RulesError, load_yaml


def codebook() -> dict[str, Any]:
    """Tables with their columns, plus the unit and indicator catalogues when the rules have them."""
    return {
        "tables": {
            name: [{"name": c.name, "type": c.type, "meaning": c.meaning, "allowed": list(c.allowed)}
                   for c in cols]
            for name, cols in TABLES.items()
        },
        "missing_values": "strings use \"\" for missing, never null; ints use 0 for an unknown year",
        "units": _catalogue("units.yaml"),
        "indicators": _catalogue("indicators.yaml"),
    }


def _catalogue(name: str) -> Any:
    try:
        return load_yaml(name)
    except RulesError:
        return None
