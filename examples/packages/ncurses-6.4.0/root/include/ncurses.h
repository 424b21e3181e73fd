/* Sample stand-in for ncurses.h from ncurses 6.4.0 (axiom-reconcile examples). */
#ifndef NCURSES_H
#define NCURSES_H
#endif
