"""Reading and writing feedback records (CSV, JSON Lines, Parquet): the one I/O layer that training, the
command line, the service and the Dask path share, so data flows one way — from the library up."""
