# Sample stand-in for the Python 3.12.4 standard library (axiom-reconcile examples).
