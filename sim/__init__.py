"""ruraledu: an agent-based model of rural compulsory education in Shandong.

    import sim
    scenario = sim.load_scenario("scenarios/baseline.toml", overrides={"seed": 3})
    result = sim.run(scenario, seed=1)
    result.timeseries, result.schools, result.summary
"""

from .compare import Comparison, compare
from .errors import InputError
from .model import CountyModel
from .provenance import VERSION as __version__
from .results import Result, run
from .scenario import Scenario, load_scenario

__all__ = ["Comparison", "CountyModel", "InputError", "Result", "Scenario", "compare",
           "load_scenario", "run",
           "__version__"]
