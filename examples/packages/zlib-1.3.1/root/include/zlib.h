/* Sample stand-in for zlib.h from zlib 1.3.1 (axiom-reconcile examples). */
#ifndef ZLIB_H
#define ZLIB_H
#endif
