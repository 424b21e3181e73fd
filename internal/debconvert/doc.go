// Package debconvert turns a directory of Debian binary packages (.deb files) into a source
// directory of Axiom packages, one `<name>-<version>/` each with manifest.yaml, deps.yaml,
// provenance.yaml and root/ (the package's data tree). It exists so that tests and benchmarks
// can use real software rather than hand-made samples (scripts/realpkgs).
//
// The metadata comes from internal/debian, which maps every package against the whole set
// converted together; provenance.yaml names the .deb file and its SHA-256. The data tree is
// extracted by dpkg-deb (`dpkg-deb -x`), which keeps what the package ships: symlinks with
// their targets (absolute ones included), hard links, modes and, when run as root, owners and
// set-id bits. Nothing is filtered or fixed here: deciding what is safe to import is the
// store's job, and a corpus that hides real-world problems would test nothing.
//
// It runs dpkg-deb, so it needs a Debian-like host; it writes only below the output directory,
// which must not exist yet, and builds it under a temporary name beside it, renamed into place
// when complete, so an interrupted run leaves no half-converted set behind.
package debconvert
