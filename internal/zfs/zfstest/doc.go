// Package zfstest holds the in-memory ZFS model used by pure-logic unit tests, the conformance
// suite that every zfs.Client implementation must pass, and the helpers that give real-ZFS tests
// their pool.
//
// The model is only trustworthy because RunSuite runs the same cases against it and against real
// OpenZFS (TestConformanceModel here; TestConformanceReal in package zfs, built with the realzfs
// tag and run by `make test` on a file-backed pool). When the two disagree, the model is wrong.
package zfstest
