"""Mesa without what a run of this model does not use.

``import mesa`` imports all of Mesa: its batch runner (and with it tqdm's asyncio support),
its discrete and continuous spaces and the experimental modules, which pull in
``scipy.spatial``: about 0.4 s of a 1.5 s ``ruraledu run``, for code the model never calls.
``core_mesa()`` (called by ``sim/__init__.py`` before anything imports Mesa) puts in place a
``mesa`` package that holds only ``Agent``, ``Model``, ``DataCollector`` (and their modules)
and ``__version__``; the first use of anything else (``mesa.batch_run``, ``mesa.space``...)
runs Mesa's own ``__init__`` into the same module, so every name is there when asked for.
Nothing changes where Mesa was imported before ``sim``.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from importlib import metadata

CORE = (("agent", "Agent"), ("model", "Model"), ("datacollection", "DataCollector"))


def core_mesa() -> None:
    if "mesa" in sys.modules:
        return
    spec = importlib.util.find_spec("mesa")  # finds the package without running its __init__
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        return
    module = importlib.util.module_from_spec(spec)

    def complete(name: str):
        """Anything but the core: run Mesa's own ``__init__`` into this module, once."""
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # (introspection: no reason to load the rest)
        module.__dict__.pop("__getattr__", None)
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        return getattr(module, name)

    module.__dict__["__getattr__"] = complete  # (PEP 562: asked for names not in the module)
    sys.modules["mesa"] = module
    try:
        for sub, name in CORE:
            setattr(module, name, getattr(importlib.import_module(f"mesa.{sub}"), name))
        module.__dict__["__version__"] = metadata.version("mesa")
    except Exception:  # an unexpected Mesa layout: fall back to the whole package
        for key in [k for k in sys.modules if k == "mesa" or k.startswith("mesa.")]:
            del sys.modules[key]
        importlib.import_module("mesa")

