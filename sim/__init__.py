"""ruraledu: an agent-based model of rural compulsory education in Shandong.

    import sim
    scenario = sim.load_scenario("scenarios/baseline.toml", overrides={"seed": 3})
    result = sim.run(scenario, seed=1)
    result.timeseries, result.schools, result.summary
    swept = sim.sweep("experiments/smoke.toml", backend="serial")   # as `ruraledu sweep`
    analysis = sim.analyze(swept.out)                                # as `ruraledu analyze`

``sim.sweep`` and ``sim.analyze`` are imported on first use: they bring SALib, Dask and the
analysis libraries, which a single run does not need.
"""

import gc
from typing import Any

# Importing builds some 10^5 objects that live as long as the process; the cyclic collector's
# passes over them while they are made are wasted (about 50 ms of a run), so it pauses here.
_collecting = gc.isenabled()
gc.disable()
try:
    # first: on import, mesa's logging decorator looks its caller up with inspect.getmodule,
    # which walks every module loaded so far (20 ms more after pandas and pydantic)
    import mesa  # noqa: F401

    from .compare import Comparison, compare
    from .errors import InputError
    from .model import CountyModel
    from .provenance import VERSION as __version__
    from .results import Result, run
    from .scenario import Scenario, load_scenario
finally:
    if _collecting:
        gc.enable()

__all__ = ["Comparison", "CountyModel", "InputError", "Result", "Scenario", "analyze", "compare",
           "load_scenario", "run", "sweep", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "sweep":
        import importlib

        return importlib.import_module(".sweep", __name__)  # a callable module: sim.sweep(...)
    if name == "analyze":
        from .analysis import analyze

        return analyze
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
