/* Sample stand-in for curl/curl.h from curl 8.5.0 (axiom-reconcile examples). */
#ifndef CURL_CURL_H
#define CURL_CURL_H
#endif
