// Package e2e holds the end-to-end tests that run the reconciler on real OpenZFS with real
// software: Debian packages converted by scripts/realpkgs (debian-to-axiom), fetched on the host
// by scripts/test-realzfs.sh and handed to the tests in $AXIOM_REALPKGS. The tests are in files
// built with the realzfs tag; this package has no other code.
package e2e
