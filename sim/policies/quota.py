"""The quota of quality senior-high places allocated to middle schools (指标到校): the 2017
standard asks for at least half (教督〔2017〕6号); a county may allocate more, which raises rural
middle schools' graduates' chances and so their pull at grade 7 (``stages.zhongkao``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from ..budget import NOTHING, Spending
from .timeline import Lever

if TYPE_CHECKING:
    from ..state import CountyState


class Quota(Lever):
    share: float = Field(0.7, ge=0, le=1, description="quality senior-high places allocated to "
                         "middle schools in proportion to their graduates (>= 0.5 by the 2017 "
                         "standard)")


def apply(st: CountyState, lever: Quota, level: float, year: int) -> None:
    if level > 0:
        base = st.params.zhongkao.quota_share
        st.effects.quota_share = base + level * (lever.share - base)


def cost(st: CountyState, lever: Quota, level: float, year: int) -> Spending:
    """An admission rule: no budget line."""
    return NOTHING
