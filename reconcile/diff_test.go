package reconcile

import (
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/pkgmeta"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// The diff stage as a table over observed states: each case builds an observation by hand (a
// ZFS tree, the reconciler's files, hold tags), with no ZFS, model or temp directory, and its
// plan is compared with testdata/diff/<name>.golden (-update rewrites them). The state is all
// the plan depends on besides the configuration and the clock.

const (
	tRoot = "tank/axiom"
	tMP   = "/axiom"
)

var (
	tLayout = layout.Layout{Root: tRoot, Mountpoint: tMP}
	tNow    = time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	tOld    = tNow.Add(-30 * 24 * time.Hour)
	tPkg    = mustPackageID("zlib/1.3.1/1/b42f989d")
)

func mustPackageID(p string) layout.PackageID {
	id, ok := layout.ParsePackagePath(p)
	if !ok {
		panic(p)
	}
	return id
}

// stateBuilder builds an observation.
type stateBuilder struct{ obs *observation }

func newState() *stateBuilder {
	o := &observation{layout: tLayout, files: map[string][]byte{}, errs: map[string]error{}, links: map[string]string{},
		holds: map[layout.Snapshot][]layout.Tag{}, meta: map[layout.PackageID]metaRead{}, config: map[string]string{}}
	return &stateBuilder{obs: o}
}

func managedProps(kind string, extra ...string) map[string]zfs.Prop {
	p := map[string]zfs.Prop{layout.PropManagedBy: {Value: layout.ManagedBy, Source: zfs.SourceLocal}, layout.PropKind: {Value: kind, Source: zfs.SourceLocal}}
	for i := 0; i+1 < len(extra); i += 2 {
		p[extra[i]] = zfs.Prop{Value: extra[i+1], Source: zfs.SourceLocal}
	}
	return p
}

// fs adds a filesystem mounted where the layout puts it.
func (b *stateBuilder) fs(name layout.Dataset, props map[string]zfs.Prop) *stateBuilder {
	b.add(zfs.Dataset{Name: string(name), Type: zfs.Filesystem, Mountpoint: tLayout.Path(name), Creation: tOld, Props: props})
	return b
}

func (b *stateBuilder) snap(name layout.Snapshot, holds ...layout.Tag) *stateBuilder {
	b.add(zfs.Dataset{Name: string(name), Type: zfs.Snapshot, Creation: tOld, UserRefs: uint64(len(holds))})
	if len(holds) > 0 {
		b.obs.holds[name] = holds
	}
	return b
}

func (b *stateBuilder) add(d zfs.Dataset) {
	var ds []zfs.Dataset
	if b.obs.tree != nil {
		ds = b.obs.tree.Datasets
	}
	b.obs.tree = zfs.NewTree(append(ds, d))
}

// containers adds the tree's containers.
func (b *stateBuilder) containers() *stateBuilder {
	for _, c := range tLayout.Containers() {
		b.fs(c, managedProps(layout.KindContainer))
	}
	return b
}

// pkg adds the complete package tPkg, held by holds.
func (b *stateBuilder) pkg(holds ...layout.Tag) *stateBuilder {
	ds := tLayout.Package(tPkg)
	for d := ds.Parent(); d != tLayout.PkgRoot(); d = d.Parent() {
		b.fs(d, managedProps(layout.KindContainer))
	}
	b.fs(ds, managedProps(layout.KindPackage, "readonly", "on"))
	return b.snap(tLayout.Installed(tPkg), holds...)
}

func testLock(profile string) *pkgmeta.Lock {
	return &pkgmeta.Lock{ProfileName: profile, ProfileDigest: "sha256:" + strings.Repeat("0", 64), Resolved: []pkgmeta.LockEntry{
		{Name: tPkg.Name, Version: tPkg.Version, Revision: tPkg.Revision, BuildID: tPkg.BuildID, Requested: true}}}
}

// env adds environment env with complete generations ks, each built from testLock, current at
// the last one.
func (b *stateBuilder) env(env string, ks ...int) *stateBuilder {
	ds := tLayout.Env(env)
	b.fs(ds, managedProps(layout.KindEnv, layout.PropProfile, "p", layout.PropPreventDestroy, "off"))
	for _, k := range ks {
		g := tLayout.Generation(env, k)
		b.fs(g, managedProps(layout.KindGeneration, "readonly", "on"))
		b.snap(g.Snapshot(layout.SnapRealized))
		b.obs.files[filepath.Join(tLayout.Path(g), layout.GenerationLock)] = testLock("p").Marshal()
	}
	if len(ks) > 0 {
		b.obs.links[filepath.Join(tLayout.Path(ds), layout.CurrentLink)] = layout.GenerationName(ks[len(ks)-1])
	}
	return b
}

// profile adds an undeclared profile with testLock on disk.
func (b *stateBuilder) profile(name string) *stateBuilder {
	ds := tLayout.Profile(name)
	b.fs(ds, managedProps(layout.KindProfile))
	b.obs.files[filepath.Join(tLayout.Path(ds), layout.LockFile)] = testLock(name).Marshal()
	return b
}

// testConfig loads a configuration of the store and hcl, from a directory it returns too.
func testConfig(t *testing.T, hcl string) (*spec.Config, string) {
	t.Helper()
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(fmt.Sprintf("store {\n  dataset = %q\n  mountpoint = %q\n}\n%s", tRoot, tMP, hcl)), 0o644))
	cfg, diags := spec.Load(dir)
	if diags.HasErrors() {
		t.Fatalf("%v", diags)
	}
	cfg.Dir = "<config>"
	return cfg, dir
}

func TestDiffGolden(t *testing.T) {
	for _, tc := range []struct {
		name  string
		hcl   string
		state *stateBuilder
		opt   PlanOptions
	}{
		{"empty-pool", "", newState().fs("tank", nil), PlanOptions{}},
		{"converged-empty-store", "", newState().fs("tank", nil).containers(), PlanOptions{}},
		{"undeclared-removed-then-gc", "gc {\n  grace_period = \"1h\"\n}\n",
			newState().containers().pkg(layout.HoldTag("old", 1)).profile("old").env("old", 1), PlanOptions{}},
		{"undeclared-over-budget", "", newState().containers().pkg(layout.HoldTag("old", 1)).profile("old").env("old", 1), PlanOptions{MaxDeletes: Budget(1)}},
		{"leaked-hold-released", "gc {\n  grace_period = \"1h\"\n}\n",
			newState().containers().pkg(layout.HoldTag("ghost", 3), "someone-else"), PlanOptions{}},
		{"within-grace-kept", "gc {\n  grace_period = \"365d\"\n}\n", newState().containers().pkg(), PlanOptions{}},
		{"gc-only-keeps-locks-on-disk", "", newState().containers().pkg().profile("other"), PlanOptions{GCOnly: true}},
		{"temps-and-leftovers", "", func() *stateBuilder {
			b := newState().containers()
			b.fs(tLayout.Tmp()+"/gen-e-1-0badc0de", managedProps(layout.KindGeneration))
			b.fs(tLayout.Tmp()+"/scratch", nil)
			b.obs.leftovers = []string{filepath.Join(tMP, "profiles", "p", ".profile.yaml.123.tmp")}
			return b
		}(), PlanOptions{}},
		{"mounted-elsewhere", "", func() *stateBuilder {
			b := newState()
			b.add(zfs.Dataset{Name: tRoot, Type: zfs.Filesystem, Mountpoint: "/elsewhere", Props: managedProps(layout.KindContainer)})
			return b
		}(), PlanOptions{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &Engine{Log: zerolog.Nop(), Now: func() time.Time { return tNow }}
			if tc.state.obs.tree == nil {
				tc.state.obs.tree = zfs.NewTree(nil)
			}
			cfg, dir := testConfig(t, tc.hcl)
			plan, err := e.plan(context.Background(), cfg, tc.state.obs, tc.opt)
			var got string
			if err != nil {
				got = "error: " + err.Error() + "\n"
			} else {
				got = humanPlan(plan)
			}
			golden(t, filepath.Join("diff", tc.name+".golden"), strings.ReplaceAll(got, dir, "<config>"))
		})
	}
}

// The diff stage decides from values: its files import neither the ZFS client package nor os,
// and take no context (resolution.go, check.go and order.go are the stages around it).
func TestDiffStageImports(t *testing.T) {
	files, err := filepath.Glob("diff*.go")
	must(t, err)
	fset := token.NewFileSet()
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		must(t, err)
		for _, imp := range af.Imports {
			switch p, _ := strconv.Unquote(imp.Path.Value); p {
			case "os", "context", "os/exec", "github.com/axiom-reconcile/axiom-reconcile/internal/zfs":
				t.Errorf("%s imports %s: the diff stage does no I/O", f, p)
			}
		}
		checked++
	}
	if checked < 6 {
		t.Fatalf("checked %d diff files, want the 6 of the diff stage", checked)
	}
}
