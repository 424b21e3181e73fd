package reconcile

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
)

// importGate is the model with a gate on the creation of imports' temporary datasets: it
// records how many imports were inside it at once (waiting up to wait for a second one), and
// fails the one of failPkg.
type importGate struct {
	*zfstest.Model
	wait    time.Duration
	failPkg string

	mu        sync.Mutex
	cond      *sync.Cond
	in, most  int
	createdBy []string
}

func newImportGate(m *zfstest.Model, wait time.Duration) *importGate {
	g := &importGate{Model: m, wait: wait}
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *importGate) Create(ctx context.Context, name string, opt zfs.CreateOptions) error {
	pkg := opt.Props[layout.PropPackage]
	if !strings.Contains(name, "/tmp/pkg-") || pkg == "" {
		return g.Model.Create(ctx, name, opt)
	}
	g.mu.Lock()
	g.in++
	g.most = max(g.most, g.in)
	g.cond.Broadcast()
	deadline := time.Now().Add(g.wait)
	for g.in < 2 && time.Now().Before(deadline) { // a second import inside, or the deadline
		g.mu.Unlock()
		time.Sleep(time.Millisecond)
		g.mu.Lock()
	}
	g.createdBy = append(g.createdBy, pkg)
	g.mu.Unlock()
	defer func() { g.mu.Lock(); g.in--; g.mu.Unlock() }()
	if g.failPkg != "" && pkg == g.failPkg {
		return errors.New("injected failure")
	}
	return g.Model.Create(ctx, name, opt)
}

// TestImportsRunSideBySide: the imports of one plan run at most ImportWorkers at a time, and
// with one worker strictly one after another; either way the store converges.
func TestImportsRunSideBySide(t *testing.T) {
	for _, tc := range []struct {
		workers, want int
	}{{1, 1}, {2, 2}} {
		e, m, mp := modelEngine(t)
		g := newImportGate(m, time.Second)
		if tc.workers == 1 {
			g.wait = 50 * time.Millisecond // nobody else can come: do not wait long
		}
		e.ZFS, e.ImportWorkers = g, tc.workers
		cfg := loadConfig(t, filepath.Join("..", "examples", "buildhost"), "tank/axiom", mp)
		plan, done, err := e.Reconcile(bg, cfg, defaults)
		must(t, err)
		if done.ByKind[KindImport] < 3 || done.ByKind[KindImport] != countKind(plan, KindImport) {
			t.Fatalf("workers %d: imported %d of %d", tc.workers, done.ByKind[KindImport], countKind(plan, KindImport))
		}
		if g.most != tc.want {
			t.Errorf("workers %d: %d imports ran at once, want %d", tc.workers, g.most, tc.want)
		}
		if again, err := e.Plan(bg, cfg, defaults); err != nil || !again.Empty() {
			t.Fatalf("workers %d: the plan after apply: %v\n%s", tc.workers, err, planText(again))
		}
	}
}

// TestImportFailureSideBySide: a failing import fails the apply naming its step, no import starts
// after it, the others' work stays, and the next pass converges.
func TestImportFailureSideBySide(t *testing.T) {
	e, m, mp := modelEngine(t)
	g := newImportGate(m, 50*time.Millisecond)
	e.ZFS, e.ImportWorkers = g, 2
	cfg := loadConfig(t, filepath.Join("..", "examples", "buildhost"), "tank/axiom", mp)
	plan, err := e.Plan(bg, cfg, defaults)
	must(t, err)
	var imports []string
	for _, st := range plan.Steps {
		if im, ok := st.Op.(*ImportStep); ok {
			imports = append(imports, im.Package)
		}
	}
	if len(imports) < 4 {
		t.Fatalf("the example plans %d imports; the test needs 4", len(imports))
	}
	g.failPkg = imports[1]
	_, done, err := e.Reconcile(bg, cfg, defaults)
	name, _, _ := strings.Cut(imports[1], "/")
	if err == nil || !strings.Contains(err.Error(), "injected failure") || !strings.Contains(err.Error(), "import "+name+" ") {
		t.Fatalf("apply with a failing import: %v; want the failure, naming %s", err, name)
	}
	if done.ByKind[KindImport] >= len(imports)-1 || len(g.createdBy) >= len(imports) {
		t.Errorf("imports went on after a failure: %d done, %d started of %d", done.ByKind[KindImport], len(g.createdBy), len(imports))
	}
	if done.ByKind[KindRealize] != 0 {
		t.Error("a step after the imports ran although one failed")
	}
	g.failPkg = ""
	if _, _, err := e.Reconcile(bg, cfg, defaults); err != nil {
		t.Fatalf("the next pass: %v", err)
	}
	if again, err := e.Plan(bg, cfg, defaults); err != nil || !again.Empty() {
		t.Fatalf("after the next pass: %v\n%s", err, planText(again))
	}
}

func countKind(p *Plan, k Kind) int {
	n := 0
	for _, st := range p.Steps {
		if st.Kind() == k {
			n++
		}
	}
	return n
}

// failedCalls is the model recording the creates and renames that failed.
type failedCalls struct {
	*zfstest.Model
	mu     sync.Mutex
	failed []string
}

func (f *failedCalls) record(op, name string, err error) error {
	if err != nil {
		f.mu.Lock()
		f.failed = append(f.failed, op+" "+name+": "+err.Error())
		f.mu.Unlock()
	}
	return err
}

func (f *failedCalls) Create(ctx context.Context, name string, opt zfs.CreateOptions) error {
	return f.record("create", name, f.Model.Create(ctx, name, opt))
}

func (f *failedCalls) Rename(ctx context.Context, from, to string, opt zfs.RenameOptions) error {
	return f.record("rename", to, f.Model.Rename(ctx, from, to, opt))
}

// TestImportsIntoNewStore: on a new store, whose containers the plan's own steps make, the
// imports know those containers (the store is observed again before them) and make only their
// own parents: no create finds its dataset there, no rename lacks its parent, each a process
// wasted. Fails when the imports go by the plan's observation, which predates the store.
func TestImportsIntoNewStore(t *testing.T) {
	for _, workers := range []int{1, 2} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			w := newWorld(t, "", profileHCL("p", "make", "zlib", "readline"))
			f := &failedCalls{Model: w.m}
			w.e.ZFS, w.e.ImportWorkers = f, workers
			plan := w.apply(defaults)
			if n := len(stepsOf(plan, KindImport)); n < 3 {
				t.Fatalf("%d imports, want at least 3:\n%s", n, humanPlan(plan))
			}
			if len(f.failed) > 0 {
				t.Fatalf("zfs calls that failed, a process wasted each:\n%s", strings.Join(f.failed, "\n"))
			}
		})
	}
}
