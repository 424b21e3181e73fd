/* Sample stand-in for readline/readline.h from readline 8.2.1 (axiom-reconcile examples). */
#ifndef READLINE_READLINE_H
#define READLINE_READLINE_H
#endif
