"""``python -m sim`` is the ``ruraledu`` command."""

from .cli import main

main(prog_name="ruraledu")
