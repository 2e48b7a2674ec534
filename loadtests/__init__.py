"""Load tests of posc-sim: the Locust suite, its profiles and shapes, and a benchmark.

Run everything from the project root: Locust puts the working directory on ``sys.path``, which
is what lets ``loadtests/locustfile.py`` import this package.
"""
