"""Real data sets the chapters train on, all available offline, plus synthetic generators.

One module per source; every loader of a file checks its sha256 before use.
"""
