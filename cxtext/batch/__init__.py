"""Batch work over large inputs — on every local core or on a Dask cluster — with the same chunks, the
same worker functions and so the same output whichever engine runs them."""
