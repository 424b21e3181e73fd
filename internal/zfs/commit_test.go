package zfs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommitProgramResults: what Commit makes of the commit program's answers, with a fake zfs
// that logs its commands: the guid as the program rendered it (unsigned, all 64 bits), an errno
// as the sentinel it stands for, and a kernel without zfs.sync.set_prop as the fallback (`zfs
// snapshot`, `zfs get` of the guid, `zfs set` of it), remembered so the next commit runs no
// program.
func TestCommitProgramResults(t *testing.T) {
	for _, tc := range []struct {
		name, answer string
		want         uint64
		wantErr      error
		wantCmds     string // the commands of two commits, one per line
	}{
		{"guid", `{"guid": "18446744073709551615"}`, 1<<64 - 1, nil, "set\nprogram\nset\nprogram"},
		{"snapshot exists", `{"error": 17, "at": "snapshot"}`, 0, ErrExist, "set\nprogram\nset\nprogram"},
		{"filesystem gone", `{"error": 2, "at": "snapshot"}`, 0, ErrNotExist, "set\nprogram\nset\nprogram"},
		{"no set_prop", `{"unsupported": "zfs.sync.set_prop"}`, 9223372036854775808, nil, "set\nprogram\nsnapshot\nget\nset\nset\nsnapshot\nget\nset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := filepath.Join(t.TempDir(), "log")
			c := fakeZFS(t, `echo "$1" >>`+log+`
case "$1" in
program) printf '{"return": %s}' '`+tc.answer+`' ;;
get) echo 9223372036854775808 ;;
esac`)
			c.setCaps(Capabilities{Userland: "zfs-2.3.2", Major: 2, Minor: 3, JSON: true, ChannelPrograms: true, ProgramSetProp: true})
			for range 2 {
				guid, err := c.Commit(context.Background(), "tp/a@installed", CommitOptions{GUIDProp: "axiom:guid"})
				var e *Error
				if guid != tc.want || !errors.Is(err, tc.wantErr) || (err != nil && !errors.As(err, &e)) {
					t.Fatalf("Commit = %d, %v; want %d, %v (a *Error)", guid, err, tc.want, tc.wantErr)
				}
			}
			b, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(string(b)); got != tc.wantCmds {
				t.Fatalf("zfs ran %q, want %q", got, tc.wantCmds)
			}
		})
	}
}
