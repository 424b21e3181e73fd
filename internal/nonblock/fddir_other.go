//go:build !linux

package nonblock

// fdDir names the process's open files by number (fdescfs on FreeBSD).
const fdDir = "/dev/fd"
