"""The cxtext HTTP service."""
