" Sample stand-in for defaults.vim from vim 9.0.2 (axiom-reconcile examples).
set nocompatible
