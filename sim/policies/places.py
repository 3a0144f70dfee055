"""County-seat school places (学位) and who may take them: the lever the county holds over where
rural children go to school (seed 002: 60 new or expanded schools; seed 003: 220; the
national drive against oversized classes, 国发〔2016〕40号).

The status quo (``stages.enrollment``): places never fall, since buildings stay when cohorts
shrink, and they grow to seat every resident child (划片就近入学: a child living in the county
seat, including a rural family that moved there, is always seated). Rural applicants who stay
rural take the places left over, by lot. As cohorts halve, places free up and rural children
fill them: the county's own choice, which this lever changes. ``places_per_year`` adds places
(new schools and expansions, at the county-seat ordinary schools, in proportion to their
places); ``rural_admission`` is the share of the left-over places offered to rural applicants
(1: all, the status quo; 0: residents only, admission by residence or housing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from ..budget import Spending
from ..kinds import URBAN_ORDINARY
from .timeline import Lever

if TYPE_CHECKING:
    from ..state import CountyState


class Places(Lever):
    places_per_year: int = Field(0, ge=0, le=20000, description="county-seat places added a "
                                 "year (new schools and expansions)")
    rural_admission: float = Field(1.0, ge=0, le=1, description="share of the places left after "
                                   "residents offered to rural applicants (0: residents only)")


def apply(st: CountyState, lever: Places, level: float, year: int) -> None:
    if level <= 0:
        return
    st.effects.rural_admission = 1 - level * (1 - lever.rural_admission)
    added = int(round(level * lever.places_per_year))
    ordinary = np.flatnonzero((st.county.school_type == URBAN_ORDINARY) & st.schools.open)
    if added == 0 or ordinary.size == 0:
        return
    weights = st.schools.capacity[ordinary] / st.schools.capacity[ordinary].sum()
    share = np.floor(weights * added)
    share[: added - int(share.sum())] += 1  # the remainder, one place each
    st.schools.capacity[ordinary] += share
    st.now.outlays["places"] = added * st.params.levers.place_yuan


def cost(st: CountyState, lever: Places, level: float, year: int) -> Spending:
    """New places built this year, charged over a building's life; their teachers follow
    through the staffing norm (status-quo personnel)."""
    return Spending(capital=st.now.outlays.get("places", 0.0),
                    life=st.params.budget.building_life_years)
