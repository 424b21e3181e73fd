//go:build realzfs

package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
	"github.com/axiom-reconcile/axiom-reconcile/reconcile"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// The benchmarks of issue 13 on the real set, each beside its baseline measured in the same
// iteration and reported as a ratio (x-baseline = ours / baseline: below 1 is faster):
//
//	noop/pkgs=N         a no-op plan (a new engine, the scan cache in a file)  vs  zfs list -r of the tree
//	realize/pkgs=N      a full realize of N packages (the realize step)       vs  cp -a of their roots
//	incremental/pkgs=N  the next generation, one package changed               vs  a full realize of it
//	import/pkgs=N       importing N packages (the whole apply)                 vs  zfs create, cp -a, zfs set readonly=on, zfs snapshot per package
//
// Times are per operation in milliseconds; zfs-procs/op counts the zfs processes the operation
// ran (per package for import), through the exec seam's accounting (zfs.CLI.Stats).

// benchPkgs is the size of the generation the benchmarks build: the first packages of the large
// set by name (the issue measured a 35-package generation).
const benchPkgs = 35

// stepLog captures the engine's step log to time single steps (the apply logs each step's kind
// and took_seconds).
type stepLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *stepLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// took returns the time the steps of kind took since the last call, and forgets the log.
func (l *stepLog) took(kind reconcile.Kind) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var total float64
	sc := bufio.NewScanner(bytes.NewReader(l.buf.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec struct {
			Kind string  `json:"kind"`
			Took float64 `json:"took_seconds"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Kind == string(kind) {
			total += rec.Took
		}
	}
	l.buf.Reset()
	return time.Duration(total * float64(time.Second))
}

// saw reports whether a message was logged since the last took.
func (l *stepLog) saw(msg string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Contains(l.buf.Bytes(), []byte(msg))
}

// benchSet is the real set unpacked, the packages the generations use, and an engine whose steps
// are timed.
type benchSet struct {
	b      *testing.B
	pool   string
	c      *zfs.CLI
	log    *stepLog
	e      *reconcile.Engine
	src    string
	names  []string          // the generation's requested packages
	dirs   map[string]string // package name -> source directory
	bumped string            // the package incremental changes
}

func newBenchSet(b *testing.B) *benchSet {
	pool := zfstest.RealPool(b)
	c := zfs.NewCLI(zerolog.Nop(), zfs.WithProps(layout.Props()...))
	log := &stepLog{}
	s := &benchSet{b: b, pool: pool, c: c, log: log,
		e: &reconcile.Engine{ZFS: c, Log: zerolog.New(log).Level(zerolog.InfoLevel)}}
	s.src = corpus(b, c, zfstest.NewRoot(b, c, pool), "large")
	s.dirs = packageDirs(b, s.src)
	all := make([]string, 0, len(s.dirs))
	for n := range s.dirs {
		all = append(all, n)
	}
	slices.Sort(all)
	s.names = all[:min(benchPkgs, len(all))]
	s.bumped = s.names[len(s.names)-1]
	return s
}

// config writes the configuration of a store at root: a profile of the set's packages and the
// given environments.
func (s *benchSet) config(root string, pkgs []string, envs ...string) *spec.Config {
	var hcl strings.Builder
	fmt.Fprintf(&hcl, "store {\n  dataset = %q\n  mountpoint = %q\n}\nsource \"debian\" {\n  path = %q\n}\nprofile \"p\" {\n", root, "/"+root, s.src)
	for _, n := range pkgs {
		fmt.Fprintf(&hcl, "  package %q { allow_setuid = true }\n", n)
	}
	hcl.WriteString("}\n")
	for _, env := range envs {
		fmt.Fprintf(&hcl, "environment %q {\n  profile = \"p\"\n  keep_generations = 1\n}\n", env)
	}
	hcl.WriteString("gc {\n  grace_period = \"0s\"\n  max_deletes = 10000\n}\n")
	return writeConfig(s.b, s.b.TempDir(), hcl.String())
}

// apply reconciles cfg, failing the benchmark on error, and returns the plan.
func (s *benchSet) apply(cfg *spec.Config, opt reconcile.PlanOptions) *reconcile.Plan {
	s.b.Helper()
	plan, _, err := s.e.Reconcile(bg, cfg, opt)
	if err != nil {
		s.b.Fatalf("apply: %v\n%s", err, planText(plan))
	}
	return plan
}

// tree makes a fresh filesystem below the pool for one iteration's store or baseline.
func (s *benchSet) tree(name string) string {
	ds := s.pool + "/bench-" + name
	must(s.b, s.c.Create(bg, ds, zfs.CreateOptions{}))
	return ds
}

// zfsGet reads numeric properties of a dataset (zfs get -Hp), or of a pool with zpool.
func zfsGet(b *testing.B, cmd, name string, props ...string) []int64 {
	b.Helper()
	out, err := exec.Command(cmd, "get", "-Hp", "-o", "value", strings.Join(props, ","), name).Output()
	must(b, err)
	var vals []int64
	for _, f := range strings.Fields(string(out)) {
		v, err := strconv.ParseInt(f, 10, 64)
		must(b, err)
		vals = append(vals, v)
	}
	if len(vals) != len(props) {
		b.Fatalf("%s get %v %s: %q", cmd, props, name, out)
	}
	return vals
}

// cpA copies the root/ trees of dirs into a fresh filesystem with cp -a, then syncs: the
// baseline of a realize (a generation is committed by its snapshot, which syncs too).
func (s *benchSet) cpA(name string, roots []string) time.Duration {
	s.b.Helper()
	ds := s.tree(name)
	t0 := time.Now()
	for _, r := range roots {
		if out, err := exec.Command("cp", "-a", r+"/.", "/"+ds+"/").CombinedOutput(); err != nil {
			s.b.Fatalf("cp -a %s: %v\n%s", r, err, out)
		}
	}
	must(s.b, exec.Command("sync").Run())
	took := time.Since(t0)
	zfstest.Cleanup(s.b, s.c, ds)
	return took
}

// storeRoots returns the root/ directories, in the store at root, of the packages a realize step
// of plan merges.
func storeRoots(b *testing.B, plan *reconcile.Plan, root string) []string {
	b.Helper()
	l := layout.Layout{Root: layout.Dataset(root), Mountpoint: "/" + root}
	for _, st := range plan.Steps {
		if r, ok := st.Op.(*reconcile.RealizeStep); ok {
			var roots []string
			for _, p := range r.Packages {
				id, _ := layout.ParsePackagePath(p)
				roots = append(roots, filepath.Join(l.Path(l.Package(id)), "root"))
			}
			return roots
		}
	}
	b.Fatalf("the plan realizes nothing:\n%s", planText(plan))
	return nil
}

// bump adds a new revision of the bumped package to the source, with one file changed: the
// change incremental realizes.
func (s *benchSet) bump(rev int) {
	s.b.Helper()
	from := s.dirs[s.bumped]
	to := fmt.Sprintf("%s-rev%d", from, rev)
	if out, err := exec.Command("cp", "-a", from, to).CombinedOutput(); err != nil {
		s.b.Fatalf("cp -a %s: %v\n%s", from, err, out)
	}
	mf := filepath.Join(to, "manifest.yaml")
	data, err := os.ReadFile(mf)
	must(s.b, err)
	// A revision above any the set has: the package's own plus the iteration's.
	re := regexp.MustCompile(`(?m)^revision: (\d+)$`)
	m := re.FindStringSubmatch(string(data))
	if m == nil {
		s.b.Fatalf("%s has no revision", mf)
	}
	old, _ := strconv.Atoi(m[1])
	text := re.ReplaceAllString(string(data), fmt.Sprintf("revision: %d", old+rev))
	must(s.b, os.WriteFile(mf, []byte(text), 0o644))
	must(s.b, os.WriteFile(filepath.Join(to, "root", "axiom-bench-revision"), []byte(strconv.Itoa(rev)), 0o644))
}

func BenchmarkGenerations(b *testing.B) {
	s := newBenchSet(b)
	top := s.tree("generations")
	root := top + "/axiom"
	n := len(s.names)
	// The store: every package imported, generation 1 of "inc" realized.
	s.apply(s.config(root, s.names, "inc"), reconcile.PlanOptions{})
	s.log.took("")

	b.Run(fmt.Sprintf("noop/pkgs=%d", n), func(b *testing.B) {
		cache := filepath.Join(b.TempDir(), "scan.cache")
		sp := s.config(root, s.names, "inc")
		warm := &reconcile.Engine{ZFS: s.c, Log: zerolog.Nop(), SourceCache: cache}
		if _, err := warm.Plan(bg, sp, reconcile.PlanOptions{}); err != nil {
			b.Fatal(err)
		}
		time.Sleep(2 * time.Second) // past the scan cache's racy window
		if _, err := warm.Plan(bg, sp, reconcile.PlanOptions{}); err != nil {
			b.Fatal(err)
		}
		var ours, base, inZFS time.Duration
		p0, _ := s.c.Stats()
		stop := cpuProfile(b, "noop")
		for b.Loop() {
			t0, z0 := time.Now(), s.c.ProcessTime()
			e := &reconcile.Engine{ZFS: s.c, Log: zerolog.Nop(), SourceCache: cache}
			if plan, err := e.Plan(bg, sp, reconcile.PlanOptions{}); err != nil || !plan.Empty() {
				b.Fatalf("no-op plan: %v\n%s", err, planText(plan))
			}
			t1 := time.Now()
			inZFS += s.c.ProcessTime() - z0
			must(b, zfstest.BareList(bg, root))
			ours, base = ours+t1.Sub(t0), base+time.Since(t1)
		}
		stop()
		p1, _ := s.c.Stats()
		report(b, ours, base, "zfs-list-ms/op")
		b.ReportMetric(float64(p1-p0)/float64(b.N), "zfs-procs/op")
		// Where the time goes: waiting for our zfs processes, and everything else (the scan
		// cache, lock files, the diff).
		b.ReportMetric(float64(inZFS.Milliseconds())/float64(b.N), "in-zfs-ms/op")
		b.ReportMetric(float64((ours-inZFS).Milliseconds())/float64(b.N), "outside-zfs-ms/op")
	})

	b.Run(fmt.Sprintf("realize/pkgs=%d", n), func(b *testing.B) {
		var ours, base time.Duration
		var used, logical, cloned int64
		// The profile says where a full realize's time goes in this process (user and system
		// time alike: the copies' copy_file_range calls are in it), against its wall time.
		stop := cpuProfile(b, "realize")
		for i := 0; b.Loop(); i++ {
			env := fmt.Sprintf("full-%d", i)
			saved0 := zfsGet(b, "zpool", s.pool, "bclonesaved")[0]
			plan := s.apply(s.config(root, s.names, "inc", env), reconcile.PlanOptions{})
			ours += s.log.took(reconcile.KindRealize)
			saved1 := zfsGet(b, "zpool", s.pool, "bclonesaved")[0]
			v := zfsGet(b, "zfs", root+"/env/"+env+"/gen-1", "used", "logicalused")
			used, logical, cloned = used+v[0], logical+v[1], cloned+saved1-saved0
			base += s.cpA(fmt.Sprintf("cp-%d", i), storeRoots(b, plan, root))
		}
		stop()
		report(b, ours, base, "cp-a-ms/op")
		mb := func(v int64) float64 { return float64(v) / float64(b.N) / (1 << 20) }
		b.ReportMetric(mb(used), "used-MB/op")
		b.ReportMetric(mb(logical), "logicalused-MB/op")
		b.ReportMetric(mb(cloned), "bclonesaved-MB/op")
		s.apply(s.config(root, s.names, "inc"), reconcile.PlanOptions{}) // the full-* environments go
		s.log.took("")
	})

	b.Run(fmt.Sprintf("incremental/pkgs=%d", n), func(b *testing.B) {
		var ours, pruned, base time.Duration
		var used int64
		procs := int64(0)
		var inZFS time.Duration
		byOp := map[string]int64{}
		// The profile splits the realize step's wall time into this process's CPU (focus on
		// Engine.incremental) and the rest: waiting for its zfs processes.
		stop := cpuProfile(b, "incremental")
		for i := 0; b.Loop(); i++ {
			s.bump(i + 2)
			p0, _ := s.c.Stats()
			t0, ops0 := s.c.ProcessTime(), s.c.ProcessesByOp()
			s.apply(s.config(root, s.names, "inc"), reconcile.PlanOptions{Upgrade: true})
			p1, _ := s.c.Stats()
			procs += p1 - p0
			inZFS += s.c.ProcessTime() - t0
			for op, n := range s.c.ProcessesByOp() {
				byOp[op] += n - ops0[op]
			}
			if !s.log.saw("built the generation from the previous one") {
				b.Fatal("the next generation was not built from the previous one (see the engine's warnings)")
			}
			ours += s.log.took(reconcile.KindRealize)
			pruned += s.log.took(reconcile.KindPrune)
			used += zfsGet(b, "zfs", root+"/env/inc/gen-"+strconv.Itoa(i+2), "used")[0]
			env := fmt.Sprintf("fullb-%d", i)
			s.apply(s.config(root, s.names, "inc", env), reconcile.PlanOptions{})
			base += s.log.took(reconcile.KindRealize)
		}
		stop()
		report(b, ours, base, "full-realize-ms/op")
		b.ReportMetric(float64(pruned.Milliseconds())/float64(b.N), "prune-ms/op")
		b.ReportMetric(float64(used)/float64(b.N)/(1<<20), "used-MB/op")
		b.ReportMetric(float64(procs)/float64(b.N), "apply-zfs-procs/op")
		// The whole apply's processes (the plan's observation, the import of the bumped package,
		// the lock, the realize, the prune): by operation, and the time spent waiting for them.
		b.ReportMetric(float64(inZFS.Milliseconds())/float64(b.N), "apply-in-zfs-ms/op")
		for op, n := range byOp {
			if n > 0 {
				b.ReportMetric(float64(n)/float64(b.N), "apply-zfs-"+op+"/op")
			}
		}
	})

	b.Run(fmt.Sprintf("import/pkgs=%d", len(s.importNames())), func(b *testing.B) {
		var ours, base time.Duration
		var procs, imported int64
		byOp := map[string]int64{}
		for i := 0; b.Loop(); i++ {
			t := s.tree(fmt.Sprintf("import-%d", i))
			p0, _ := s.c.Stats()
			ops0 := s.c.ProcessesByOp()
			t0 := time.Now()
			plan := s.apply(s.config(t+"/axiom", s.importNames()), reconcile.PlanOptions{})
			ours += time.Since(t0)
			p1, _ := s.c.Stats()
			procs += p1 - p0
			for op, n := range s.c.ProcessesByOp() {
				byOp[op] += n - ops0[op]
			}
			var pkgs []string // the requested packages and their dependencies
			for _, st := range plan.Steps {
				if im, ok := st.Op.(*reconcile.ImportStep); ok {
					id, _ := layout.ParsePackagePath(im.Package)
					pkgs = append(pkgs, id.Name)
				}
			}
			imported += int64(len(pkgs))
			zfstest.Cleanup(b, s.c, t)
			base += s.naiveImport(fmt.Sprintf("naive-%d", i), pkgs)
		}
		report(b, ours, base, "naive-ms/op")
		b.ReportMetric(float64(procs)/float64(imported), "zfs-procs/op")
		b.ReportMetric(float64(imported)/float64(b.N), "packages/op")
		for op, n := range byOp { // where the processes went, per imported package
			if n > 0 {
				b.ReportMetric(float64(n)/float64(imported), "zfs-"+op+"/op")
			}
		}
	})
}

// importNames are the packages the import benchmark requests: the set's first five, and mawk,
// which provides the awk base-files needs (with two providers in the set, one must be chosen).
func (s *benchSet) importNames() []string {
	names := slices.Clone(s.names[:5])
	if _, ok := s.dirs["mawk"]; ok && !slices.Contains(names, "mawk") {
		names = append(names, "mawk")
	}
	return names
}

// naiveImport is the baseline of an import: per package, zfs create, cp -a, zfs set
// readonly=on and zfs snapshot.
func (s *benchSet) naiveImport(name string, pkgs []string) time.Duration {
	s.b.Helper()
	top := s.tree(name)
	t0 := time.Now()
	for _, p := range pkgs {
		ds := top + "/" + strings.ReplaceAll(p, "+", ":")
		for _, args := range [][]string{{"zfs", "create", ds}, {"cp", "-a", s.dirs[p] + "/.", "/" + ds + "/"},
			{"zfs", "set", "readonly=on", ds}, {"zfs", "snapshot", ds + "@installed"}} {
			if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
				s.b.Fatalf("%v: %v\n%s", args, err, out)
			}
		}
	}
	took := time.Since(t0)
	zfstest.Cleanup(s.b, s.c, top)
	return took
}

// report puts ours and the baseline, per operation in milliseconds, and their ratio.
func report(b *testing.B, ours, base time.Duration, baseUnit string) {
	b.ReportMetric(float64(ours.Milliseconds())/float64(b.N), "ours-ms/op")
	b.ReportMetric(float64(base.Milliseconds())/float64(b.N), baseUnit)
	b.ReportMetric(float64(ours)/float64(base), "x-baseline")
}

// cpuProfile profiles this process's CPU, for a benchmark's loop, into
// .build/bench/<name>-cpu.pprof of the repository (go tool pprof reads it with the test binary):
// what the time outside zfs processes goes to. The returned func stops it.
func cpuProfile(b *testing.B, name string) (stop func()) {
	b.Helper()
	dir := filepath.Join("..", ".build", "bench")
	must(b, os.MkdirAll(dir, 0o755))
	f, err := os.Create(filepath.Join(dir, name+"-cpu.pprof"))
	must(b, err)
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		b.Logf("no CPU profile of %s: %v", name, err) // -test.cpuprofile has the profiler
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); must(b, f.Close()) }
}
