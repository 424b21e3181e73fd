//go:build !linux && !freebsd

package zfs

import "syscall"

// procAttr gives every zfs child a process group of its own. This platform has no parent-death
// signal, so a child can outlive a reconciler killed with SIGKILL; the child holds no lock, and
// every step is idempotent, but it may still run while the next pass starts.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
