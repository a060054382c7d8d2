"""The suite. Importing it (pytest does, before any conftest or test module) limits the numeric
libraries' thread pools to one thread, before numpy or scikit-learn is loaded: the suite runs one
xdist worker per core, so pools of one thread per core in each worker oversubscribe the cores,
and OpenBLAS's idle threads spin (measured: a quarter of the growth tests' CPU time). A value the
caller set wins."""

import os

for _pool in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_pool, "1")
