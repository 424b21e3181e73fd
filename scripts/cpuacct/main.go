//go:build linux

// Command cpuacct says which commands a machine's CPU went to while the real-ZFS tests ran: the
// guest under emulation is CPU-bound, and its time is only shortened by knowing who spends it
// (zfs processes, test binaries, ZFS's kernel threads). scripts/test-realzfs.sh runs it in the
// guest when AXIOM_CPU_SAMPLE is set:
//
//	cpuacct on FILE     start BSD process accounting into FILE (created if missing)
//	cpuacct off         stop it
//	cpuacct report FILE sum FILE's records by command, then the live processes' and kernel
//	                    threads' CPU from /proc (they never exit, so accounting never sees them)
//
// It calls acct(2) itself because no package wraps it beyond syscall, and reads the records and
// /proc/PID/stat by hand because their formats are a few fixed fields.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cpuacct:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	switch {
	case len(args) == 2 && args[0] == "on":
		f, err := os.OpenFile(args[1], os.O_CREATE|os.O_WRONLY, 0o600) // acct(2) needs the file
		if err != nil {
			return err
		}
		f.Close()
		return syscall.Acct(args[1])
	case len(args) == 1 && args[0] == "off":
		// acct(NULL) stops accounting; syscall.Acct("") would pass an empty name instead.
		if _, _, errno := syscall.Syscall(syscall.SYS_ACCT, 0, 0, 0); errno != 0 {
			return errno
		}
		return nil
	case len(args) == 2 && args[0] == "report":
		b, err := os.ReadFile(args[1])
		if err != nil {
			return err
		}
		recs, err := parseAcct(b)
		if err != nil {
			return fmt.Errorf("%s: %w", args[1], err)
		}
		write(out, "exited processes", sumRecords(recs))
		write(out, "live processes and kernel threads", sumRecords(liveProcesses()))
		return nil
	}
	return errors.New("usage: cpuacct on FILE | off | report FILE")
}

// liveProcesses reads every process's (and kernel thread's) CPU so far; one that exits while
// being read is left out.
func liveProcesses() []record {
	files, _ := filepath.Glob("/proc/[0-9]*/stat")
	var recs []record
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if r, err := parseStat(string(b)); err == nil {
			recs = append(recs, r)
		}
	}
	return recs
}
