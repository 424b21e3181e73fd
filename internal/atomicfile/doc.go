// Package atomicfile replaces files so that a reader, or a machine that loses power, sees either
// the old content or the new, never a mix or a truncated file.
//
// It owns the one sequence the design requires for every file the project writes (configuration
// rewritten by `fmt`, YAML written into the store, lock owner records): write a temporary file in
// the same directory, fsync it, rename it over the target, fsync the directory. A rename is atomic
// only within one file system, hence the temporary file beside the target; the directory fsync
// makes the rename itself durable.
//
// It imports only the standard library.
package atomicfile
