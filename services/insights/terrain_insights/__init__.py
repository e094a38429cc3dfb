"""Insights service."""

import os

# One BLAS thread, set before numpy loads: the service scales by replicas, and several BLAS threads
# on shared cores made small classification batches ~3x slower and erratic (measured: docs in README).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
