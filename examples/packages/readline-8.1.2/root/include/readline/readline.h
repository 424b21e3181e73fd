/* Sample stand-in for readline/readline.h from readline 8.1.2 (axiom-reconcile examples). */
#ifndef READLINE_READLINE_H
#define READLINE_READLINE_H
#endif
