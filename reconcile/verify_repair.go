package reconcile

import (
	"context"
	"strings"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// repair puts s back as committed, or says in f why it cannot: rollback to its snapshot,
// readonly=on, then the same checks again. A snapshot that is missing or not the one recorded
// is never rolled back to (its content is not the committed one); a snapshot identity that was
// never recorded is recorded only when a deep check found the content right (recordable).
func (e *Engine) repair(ctx context.Context, in zfs.Integrity, l layout.Layout, s subject, f *Finding, recordable, deep bool) {
	switch {
	case f.kinds[probMissing]:
		f.Unrepaired = "its snapshot is gone: nothing to roll back to; remove the dataset so the next apply builds it again"
		return
	case f.kinds[probReplaced]:
		f.Unrepaired = "its snapshot was replaced: rolling back to it would not restore the committed content; remove the dataset so the next apply builds it again"
		return
	case f.kinds[probUnmounted]:
		f.Unrepaired = "it is not mounted: mount it (the next apply does) and verify again"
		return
	case recordable:
		if err := store.RecordSnapshot(ctx, e.ZFS, string(s.dataset), s.snap); err != nil {
			f.Unrepaired = "recording the snapshot's identity: " + err.Error()
			return
		}
		f.Repaired = true
		return
	case f.kinds[probUnrecorded]:
		f.Unrepaired = "its snapshot's identity was never recorded: run verify --deep --repair to check its content and record it"
		return
	}
	if err := in.Rollback(ctx, string(s.snapshot())); err != nil {
		f.Unrepaired = "rollback: " + err.Error()
		return
	}
	if err := e.ZFS.SetProps(ctx, string(s.dataset), zfs.Props{"readonly": "on"}); err != nil {
		f.Unrepaired = "setting readonly=on after the rollback: " + err.Error()
		return
	}
	tree, err := observeWritten(ctx, in, s.dataset)
	if err != nil {
		f.Unrepaired = "checking again after the rollback: " + err.Error()
		return
	}
	var notes []string
	if again, _ := e.check(ctx, tree, l, s, deep, &notes); len(again.text) > 0 {
		f.Unrepaired = "after the rollback: " + strings.Join(again.text, "; ")
		return
	}
	f.Repaired = true
}
