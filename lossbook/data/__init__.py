"""Real data sets the chapters train on, all available offline, plus synthetic generators.

One module per source; every loader of a file checks it against a recorded sha256 through the
one reader in :mod:`lossbook.data._checksum` (:func:`~lossbook.data._checksum.read_checked`,
or a checksum of the values where a package may rewrite the file). :mod:`lossbook.data.subsets`
draws smaller training sets that keep each label's share.
"""
