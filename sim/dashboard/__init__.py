"""The browser dashboard (``ruraledu dashboard``): pick a county and a package, move the
levers and the key assumptions, run replicates against the baseline, and download the settings
as a scenario file (``sim.scenario_toml``).

``settings`` (what can be set), ``compute`` (runs, cache, summaries), ``figures`` and
``tables`` need only the model's own dependencies; ``app`` (the page) needs Solara, the
``dashboard`` extra (``pip install -e ".[dashboard]"``), and ``browser`` (the browser test's
driver) needs Playwright, in the ``test`` extra.
"""
