package zfstest

import (
	"context"
	"strconv"

	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// commitGUIDProp is the property the suite's commits record guids in.
const commitGUIDProp = "axiom:guid"

// suiteCommit: Commit sets the properties and readonly=on, calls Sealed before the snapshot,
// takes the snapshot and records its guid (several filesystems: a guid of 2^63 or more, half of
// them, must be recorded as zfs prints it too); a second commit to the same snapshot is ErrExist
// and keeps the recorded guid, a missing filesystem ErrNotExist, a native GUIDProp is refused
// before any process. A *CLI runs two processes where channel programs can set user properties
// (OpenZFS 2.2), four elsewhere.
func suiteCommit(s *suite) {
	perCommit := commitProcesses(s)
	for _, fs := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		s.ok(s.c.Create(s.ctx, s.n(fs), zfs.CreateOptions{}), "create "+fs)
		sealed, inSealed := 0, int64(0) // calls of Sealed, processes its observation took
		before, counted := s.processes()
		guid, err := s.c.Commit(s.ctx, s.n(fs+"@installed"), zfs.CommitOptions{
			Props:    zfs.Props{"axiom:x": "digest-" + fs},
			GUIDProp: commitGUIDProp,
			Sealed: func() {
				sealed++
				b, _ := s.processes()
				tree := s.observe()
				a, _ := s.processes()
				inSealed += a - b
				if snap, ok := tree.Get(s.n(fs + "@installed")); ok {
					s.t.Errorf("Sealed called after the snapshot was taken: %+v", snap)
				}
				if ro, _ := s.get(tree, fs).Local("readonly"); ro != "on" {
					s.t.Errorf("Sealed called before readonly=on: %q", ro)
				}
			},
		})
		s.ok(err, "commit "+fs)
		if after, _ := s.processes(); counted && after-before-inSealed != perCommit {
			s.t.Errorf("commit %s: %d processes, want %d", fs, after-before-inSealed, perCommit)
		}
		tree := s.observe()
		d, snap := s.get(tree, fs), s.get(tree, fs+"@installed")
		if guid == 0 || guid != snap.GUID || sealed != 1 {
			s.t.Fatalf("commit %s returned guid %d, the snapshot has %d; Sealed called %d times", fs, guid, snap.GUID, sealed)
		}
		for prop, want := range map[string]string{"readonly": "on", "axiom:x": "digest-" + fs, commitGUIDProp: strconv.FormatUint(guid, 10)} {
			if v, ok := d.Local(prop); !ok || v != want {
				s.t.Errorf("%s: %s = %q (local %v), want %q", fs, prop, v, ok, want)
			}
		}
	}
	recorded, _ := s.get(s.observe(), "a").Local(commitGUIDProp)
	_, err := s.c.Commit(s.ctx, s.n("a@installed"), zfs.CommitOptions{GUIDProp: commitGUIDProp})
	s.is(err, zfs.ErrExist, "commit to an existing snapshot")
	if again, _ := s.get(s.observe(), "a").Local(commitGUIDProp); again != recorded {
		s.t.Fatalf("a failed commit changed the recorded guid from %s to %s", recorded, again)
	}
	_, err = s.c.Commit(s.ctx, s.n("nope@installed"), zfs.CommitOptions{GUIDProp: commitGUIDProp})
	s.is(err, zfs.ErrNotExist, "commit of a missing filesystem")
	s.absent(s.observe(), "nope")
	_, err = s.c.Commit(s.ctx, s.n("a@other"), zfs.CommitOptions{GUIDProp: "quota"})
	s.rejected(err, "commit recording the guid in a native property")
	_, err = s.c.Commit(s.ctx, s.n("a"), zfs.CommitOptions{GUIDProp: commitGUIDProp})
	s.rejected(err, "commit without a snapshot name")
}

// commitProcesses is how many processes a Commit should take on the client under test: 2 where
// it runs channel programs that can set user properties, else 4 (0 if it does not count).
func commitProcesses(s *suite) int64 {
	cp, ok := s.c.(interface {
		Capabilities(context.Context) (zfs.Capabilities, error)
	})
	if !ok {
		return 0
	}
	caps, err := cp.Capabilities(s.ctx)
	s.ok(err, "capabilities")
	if caps.ChannelPrograms && caps.ProgramSetProp {
		return 2
	}
	return 4
}
