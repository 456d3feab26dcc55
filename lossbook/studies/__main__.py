"""``python -m lossbook.studies``: see :mod:`lossbook.studies.runner`."""

from lossbook.studies.runner import main

if __name__ == "__main__":  # pytest --doctest-modules imports this file too
    raise SystemExit(main())
