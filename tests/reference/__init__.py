"""Plain NumPy definitions that only the tests run.

Each module here states a quantity the way a paper defines it, in a few lines of NumPy, so the
tests can check the compiled kernels that the pipeline runs against it. Nothing in
``neurofeedback/`` or ``ui/`` imports from here.
"""
