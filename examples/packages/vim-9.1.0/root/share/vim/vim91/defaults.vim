" Sample stand-in for defaults.vim from vim 9.1.0 (axiom-reconcile examples).
set nocompatible
