//go:build freebsd || darwin || netbsd || openbsd

package source

import "syscall"

// ctime is a file's change time in nanoseconds.
func ctime(st *syscall.Stat_t) int64 { return st.Ctimespec.Sec*1e9 + st.Ctimespec.Nsec }
