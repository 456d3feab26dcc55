"""lossbook — the tested helpers behind the book *Loss Functions and Optimization for Deep Learning*.

The book's notebooks import from here; nothing here imports from the book.
"""

__version__ = "0.1.0"
