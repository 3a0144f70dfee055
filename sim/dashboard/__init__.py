"""The browser dashboard (``ruraledu dashboard``): pick a county and a package, move the
levers and the key assumptions, run replicates against the baseline, and download the settings
as a scenario file.

``settings`` (what can be set), ``compute`` (runs, cache, summaries), ``figures`` and
``download`` need only the model's own dependencies; ``app`` (the page) and ``server`` need
Solara, the ``dashboard`` extra (``pip install -e ".[dashboard]"``).
"""
