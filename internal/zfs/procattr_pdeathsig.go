//go:build linux || freebsd

package zfs

import "syscall"

// procAttr gives every zfs child a process group of its own (see configure) and, on Linux and
// FreeBSD, a parent-death signal: should the reconciler die without cancelling (SIGKILL, OOM),
// the kernel kills its zfs child too, so no orphaned `zfs destroy -r`, `rename` or `program` runs
// on while the next pass starts. The signal is bound to the OS thread that started the child;
// Go never ends such a thread unless a goroutine exits while locked to it, which this program's
// goroutines never do.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
