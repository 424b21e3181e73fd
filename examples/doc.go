// Package examples holds no code: it is the home of the example configurations (one directory
// each) and of the sample packages they install (packages/, in upstream Axiom's package
// directory format). Its test keeps the files honest: every example validates and is formatted,
// every sample package passes the source scanner. That each example resolves, merges and
// converges is proven by package reconcile's tests, with the real resolver and merge.
package examples
