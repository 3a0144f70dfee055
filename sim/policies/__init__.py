"""The policy levers of the Shandong documents: what each setting is, when it acts, what it costs.

Every lever is a timeline (``timeline.Lever``) with its own settings, an ``apply`` run at the
start of each year (before families and teachers decide) and a yearly ``cost`` by budget line
(``sim.budget.Spending``). A
scenario's ``[policies.<lever>]`` tables choose them; with no table a lever is off and costs
nothing. Their effect sizes and unit costs are uncertainties in ``params.levers``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from pydantic import Field

from ..budget import Spending, status_quo
from ..parameters import Group
from . import (
    boarding,
    careers,
    consolidation,
    coverage,
    places,
    quota,
    resources,
    rotation,
    subsidy,
    transport,
)
from .boarding import Boarding
from .careers import DegreeUpgrade, ServiceBinding, TitleReform, Training
from .consolidation import Consolidation
from .coverage import Digital, Itinerant, Pairing
from .places import Places
from .quota import Quota
from .resources import Funding, TownHub
from .rotation import Rotation
from .subsidy import Subsidy
from .timeline import Lever
from .transport import Transport

if TYPE_CHECKING:
    from ..state import CountyState


class LeverSpec(NamedTuple):
    """A lever: its settings (a timeline), what it does at the start of a year, what it costs."""

    model: type[Lever]
    apply: Callable[..., None]
    cost: Callable[..., Spending]


LEVERS: dict[str, LeverSpec] = {
    "subsidy": LeverSpec(subsidy.Subsidy, subsidy.apply, subsidy.cost),
    "rotation": LeverSpec(rotation.Rotation, rotation.apply, rotation.cost),
    "consolidation": LeverSpec(consolidation.Consolidation, consolidation.apply,
                               consolidation.cost),
    "places": LeverSpec(places.Places, places.apply, places.cost),
    "quota": LeverSpec(quota.Quota, quota.apply, quota.cost),
    "boarding": LeverSpec(boarding.Boarding, boarding.apply, boarding.cost),
    "transport": LeverSpec(transport.Transport, transport.apply, transport.cost),
    "pairing": LeverSpec(coverage.Pairing, coverage.apply_pairing, coverage.cost_pairing),
    "funding": LeverSpec(resources.Funding, resources.apply_funding, resources.cost_funding),
    "training": LeverSpec(careers.Training, careers.apply_training, careers.cost_training),
    "digital": LeverSpec(coverage.Digital, coverage.apply_digital, coverage.cost_digital),
    "title_reform": LeverSpec(careers.TitleReform, careers.apply_title_reform,
                              careers.cost_title_reform),
    "degree_upgrade": LeverSpec(careers.DegreeUpgrade, careers.apply_degree_upgrade,
                                careers.cost_degree_upgrade),
    "service_binding": LeverSpec(careers.ServiceBinding, careers.apply_binding, careers.no_cost),
    "itinerant": LeverSpec(coverage.Itinerant, coverage.apply_itinerant,
                           coverage.cost_itinerant),
    "town_hub": LeverSpec(resources.TownHub, resources.apply_town_hub, resources.cost_town_hub),
}


class Policies(Group):
    """One table per lever; a lever without a start year or schedule is off."""

    subsidy: Subsidy = Field(default_factory=Subsidy)
    rotation: Rotation = Field(default_factory=Rotation)
    consolidation: Consolidation = Field(default_factory=Consolidation)
    places: Places = Field(default_factory=Places)
    quota: Quota = Field(default_factory=Quota)
    boarding: Boarding = Field(default_factory=Boarding)
    transport: Transport = Field(default_factory=Transport)
    pairing: Pairing = Field(default_factory=Pairing)
    funding: Funding = Field(default_factory=Funding)
    training: Training = Field(default_factory=Training)
    digital: Digital = Field(default_factory=Digital)
    title_reform: TitleReform = Field(default_factory=TitleReform)
    degree_upgrade: DegreeUpgrade = Field(default_factory=DegreeUpgrade)
    service_binding: ServiceBinding = Field(default_factory=ServiceBinding)
    itinerant: Itinerant = Field(default_factory=Itinerant)
    town_hub: TownHub = Field(default_factory=TownHub)

    def levels(self, year: int) -> dict[str, float]:
        return {name: getattr(self, name).level(year) for name in LEVERS}


if set(Policies.model_fields) != set(LEVERS):  # one table per registered lever
    raise RuntimeError("Policies and LEVERS list different levers")


def cost_column(name: str) -> str:
    """The timeseries column of a lever's yearly cost."""
    return f"cost_lever_{name}_yuan"


COST_COLUMNS = tuple(cost_column(name) for name in LEVERS)


def apply(st: CountyState, year: int) -> None:
    """Start of year: every lever sets this year's effects (or takes its action)."""
    st.effects.reset_year()
    st.levers.levels = st.scenario.policies.levels(year)
    for name, spec in LEVERS.items():
        spec.apply(st, getattr(st.scenario.policies, name), st.levers.levels[name], year)


def lever_costs(st: CountyState, year: int) -> dict[str, Spending]:
    """This year's spending of each lever by budget line (``sim.budget``): nothing for a lever
    that never acted. Capital is this year's outlay. Pure: it reads the state and changes
    nothing."""
    return {name: spec.cost(st, getattr(st.scenario.policies, name), st.levers.levels[name],
                            year)
            for name, spec in LEVERS.items()}


def costs(st: CountyState, year: int) -> None:
    """The year's spending, kept for the year's observation; capital outlays go to the ledger
    to be charged over their life; the start year's status-quo spending is the envelope's
    base."""
    st.now.costs = lever_costs(st, year)
    st.ledger.outlays += [(name, year, s.capital, s.life) for name, s in st.now.costs.items()
                          if s.capital > 0]
    if year == st.scenario.start_year:
        st.ledger.envelope_base = float(status_quo(st).sum())
        st.ledger.start_pupils = int(st.schools.enrolled.sum())
