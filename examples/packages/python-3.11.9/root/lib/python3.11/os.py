# Sample stand-in for the Python 3.11.9 standard library (axiom-reconcile examples).
