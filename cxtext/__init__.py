"""cxtext: reads Persian and English customer feedback and turns it into decisions."""

__version__ = "0.1.0"
