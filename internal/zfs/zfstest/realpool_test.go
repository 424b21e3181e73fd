package zfstest

import (
	"errors"
	"os/exec"
	"slices"
	"testing"

	gozfs "github.com/mistifyio/go-zfs/v3"

	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// TestGoZFSErrorExitStatus: errors from go-zfs carry the status zpool exited with, the command
// and the condition its stderr names.
func TestGoZFSErrorExitStatus(t *testing.T) {
	exitErr := exec.Command("sh", "-c", "exit 2").Run()
	err := fromGoZFS("pool", "tp", &gozfs.Error{Err: exitErr, Debug: "/sbin/zpool get all tp", Stderr: "cannot open 'tp': no such pool\n"})
	var e *zfs.Error
	if !errors.As(err, &e) || e.ExitCode != 2 || !errors.Is(err, zfs.ErrNotExist) || !slices.Equal(e.Argv, []string{"/sbin/zpool", "get", "all", "tp"}) {
		t.Fatalf("got %#v, want exit 2, ErrNotExist and the command", err)
	}
	err = fromGoZFS("pool", "tp", &gozfs.Error{Err: exec.ErrNotFound, Debug: "zpool get all tp"})
	if !errors.As(err, &e) || e.ExitCode != -1 {
		t.Fatalf("a zpool that did not start: %#v, want exit -1", err)
	}
}
