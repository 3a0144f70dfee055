"""Notebooks run small in the test suite (see notebooks/*.ipynb: RURALEDU_QUICK)."""

import os

os.environ.setdefault("RURALEDU_QUICK", "1")
