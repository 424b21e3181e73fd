package store

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ulikunitz/xz"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/source"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// writePackage makes a package directory in a new source directory and scans it.
func writePackage(t testing.TB, name, ver string, files map[string]string) *source.Package {
	t.Helper()
	return writePackageRev(t, name, ver, "1", files)
}

// writePackageRev is writePackage for revision rev.
func writePackageRev(t testing.TB, name, ver, rev string, files map[string]string) *source.Package {
	t.Helper()
	src := t.TempDir()
	dir := filepath.Join(src, name+"-"+ver)
	must(t, os.MkdirAll(filepath.Join(dir, "root"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "manifest.yaml"), []byte("name: "+name+"\nversion: "+ver+"\nrevision: "+rev+"\ndescription: test package\n"), 0o644))
	for p, content := range files {
		full := filepath.Join(dir, "root", p)
		must(t, os.MkdirAll(filepath.Dir(full), 0o755))
		must(t, os.WriteFile(full, []byte(content), 0o755))
	}
	pkgs, err := source.Scan(context.Background(), []string{src}, archive.Limits{})
	if err != nil || len(pkgs) != 1 {
		t.Fatalf("scan: %v (%d packages)", err, len(pkgs))
	}
	return pkgs[0]
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// writeArchivePackage makes the same package as writePackage, as NAME-VER.tar.gz with a
// top-level folder, in a new source directory, and scans it.
func writeArchivePackage(t testing.TB, name, ver string, files map[string]string) *source.Package {
	t.Helper()
	return writeArchiveAs(t, ".tar.gz", name, ver, files)
}

// writeArchiveAs writes a package as an archive with suffix (.tar.gz, .tar.xz or .tar.bz2) and
// scans it.
func writeArchiveAs(t testing.TB, suffix, name, ver string, files map[string]string) *source.Package {
	t.Helper()
	src := t.TempDir()
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	top := name + "-" + ver + "/"
	add := func(path string, mode int64, body string) {
		must(t, tw.WriteHeader(&tar.Header{Name: top + path, Mode: mode, Size: int64(len(body)), Typeflag: tar.TypeReg}))
		_, err := tw.Write([]byte(body))
		must(t, err)
	}
	add("manifest.yaml", 0o644, "name: "+name+"\nversion: "+ver+"\nrevision: 1\ndescription: test package\n")
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		add("root/"+p, 0o755, files[p])
	}
	must(t, tw.Close())
	must(t, os.WriteFile(filepath.Join(src, name+"-"+ver+suffix), compress(t, suffix, raw.Bytes()), 0o644))
	pkgs, err := source.Scan(context.Background(), []string{src}, archive.Limits{})
	if err != nil || len(pkgs) != 1 {
		t.Fatalf("scan: %v (%d packages)", err, len(pkgs))
	}
	return pkgs[0]
}

// failingClient is a zfs.Client whose calls named in fail return an injected error instead of
// reaching the client underneath ("readonly" is SetProps of readonly, and Commit before it sets
// anything; "snapshot" is Snapshot, and Commit once it has set the properties).
type failingClient struct {
	zfs.Client
	fail map[string]error
}

var errInjected = errors.New("injected failure")

func (c *failingClient) SetProps(ctx context.Context, name string, props zfs.Props) error {
	if _, ro := props["readonly"]; ro && c.fail["readonly"] != nil {
		return c.fail["readonly"]
	}
	return c.Client.SetProps(ctx, name, props)
}

func (c *failingClient) Snapshot(ctx context.Context, snapshots ...string) error {
	if err := c.fail["snapshot"]; err != nil {
		return err
	}
	return c.Client.Snapshot(ctx, snapshots...)
}

func (c *failingClient) Commit(ctx context.Context, snapshot string, opt zfs.CommitOptions) (uint64, error) {
	if err := c.fail["readonly"]; err != nil {
		return 0, err
	}
	if err := c.fail["snapshot"]; err != nil {
		fs, _, _ := strings.Cut(snapshot, "@")
		if serr := c.Client.SetProps(ctx, fs, zfs.Props{"readonly": "on"}); serr != nil {
			return 0, serr
		}
		return 0, err
	}
	return c.Client.Commit(ctx, snapshot, opt)
}

func (c *failingClient) Rename(ctx context.Context, from, to string, opt zfs.RenameOptions) error {
	if err := c.fail["rename"]; err != nil {
		return err
	}
	return c.Client.Rename(ctx, from, to, opt)
}

func (c *failingClient) Destroy(ctx context.Context, name string, opt zfs.DestroyOptions) error {
	if err := c.fail["destroy"]; err != nil {
		return err
	}
	return c.Client.Destroy(ctx, name, opt)
}

// renameBarrier is a zfs.Client that holds every importer's first rename of a temporary dataset
// into the store until n importers have got that far, so that all of them have built their
// copy before any commits: the race Import must survive, made certain rather than likely. It
// records the outcome of every rename into the store.
type renameBarrier struct {
	zfs.Client
	l       layout.Layout
	n       int
	timeout time.Duration

	mu      sync.Mutex
	waiting map[string]bool // temporary datasets that reached the barrier
	open    chan struct{}
	results []error // of renames into the package root, in order
}

func newRenameBarrier(c zfs.Client, l layout.Layout, n int) *renameBarrier {
	return &renameBarrier{Client: c, l: l, n: n, timeout: 2 * time.Minute, waiting: map[string]bool{}, open: make(chan struct{})}
}

func (b *renameBarrier) Rename(ctx context.Context, from, to string, opt zfs.RenameOptions) error {
	if !layout.Under(layout.Dataset(from), b.l.Tmp()) || !layout.Under(layout.Dataset(to), b.l.PkgRoot()) {
		return b.Client.Rename(ctx, from, to, opt)
	}
	b.mu.Lock()
	if !b.waiting[from] {
		b.waiting[from] = true
		if len(b.waiting) == b.n {
			close(b.open)
		}
	}
	b.mu.Unlock()
	select {
	case <-b.open:
	case <-time.After(b.timeout):
		return fmt.Errorf("rename barrier: only %d of %d importers reached their rename", len(b.waiting), b.n)
	}
	err := b.Client.Rename(ctx, from, to, opt)
	b.mu.Lock()
	b.results = append(b.results, err)
	b.mu.Unlock()
	return err
}

// lostRenames counts the renames into the store that failed because the name was taken.
func (b *renameBarrier) lostRenames() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, err := range b.results {
		if errors.Is(err, zfs.ErrExist) {
			n++
		}
	}
	return n
}

// checkConcurrentImports checks the outcome of n importers of one package that all met at the
// barrier: all succeeded, exactly one imported, the others lost the rename and said so, one copy
// is in the store and no temporary dataset is left.
func checkConcurrentImports(t *testing.T, c zfs.Client, im *Importer, b *renameBarrier, res []Result, errs []error) {
	t.Helper()
	imported := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("importer %d: %v", i, err)
		}
		if res[i].Imported {
			imported++
		}
	}
	if imported != 1 {
		t.Errorf("%d importers report importing the package; want exactly 1", imported)
	}
	if lost := b.lostRenames(); lost != len(errs)-1 {
		t.Errorf("%d renames lost to an existing package; want %d (renames: %v)", lost, len(errs)-1, b.results)
	}
	tree, err := c.Observe(context.Background(), string(im.Layout.Root))
	must(t, err)
	pkgs := NewIndex(tree, im.Layout).All()
	if len(pkgs) != 1 {
		t.Fatalf("%d copies of the package, want 1", len(pkgs))
	}
	// Its files are where its path says: not hidden under a container mounted after it.
	if _, err := os.Stat(filepath.Join(pkgs[0].Path, "root", "lib", "libz.so.1")); err != nil {
		t.Errorf("the imported package's files are not visible at its path: %v", err)
	}
	for _, d := range tree.Under(string(im.Layout.Tmp())) {
		if layout.Dataset(d.Name) != im.Layout.Tmp() {
			t.Errorf("temporary dataset left: %s", d.Name)
		}
	}
}

// writeRealPackage makes a package shaped like a real one (util-linux, openssl): a setuid
// program, an absolute symlink, a symlink leaving the package and a hard link; and scans it.
func writeRealPackage(t testing.TB) *source.Package {
	t.Helper()
	src := t.TempDir()
	dir := filepath.Join(src, "util-linux-2.38.1")
	root := filepath.Join(dir, "root")
	must(t, os.MkdirAll(filepath.Join(root, "bin"), 0o755))
	must(t, os.MkdirAll(filepath.Join(root, "usr/lib/ssl"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "manifest.yaml"), []byte("name: util-linux\nversion: 2.38.1\nrevision: 1\ndescription: test package\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(root, "bin/su"), []byte("#!/bin/sh\necho su\n"), 0o755))
	must(t, os.Chmod(filepath.Join(root, "bin/su"), 0o755|os.ModeSetuid))
	must(t, os.Link(filepath.Join(root, "bin/su"), filepath.Join(root, "bin/su2")))
	must(t, os.Symlink("/etc/ssl/certs/ca-certificates.crt", filepath.Join(root, "usr/lib/ssl/cert.pem")))
	must(t, os.Symlink("../../etc/rmt", filepath.Join(root, "bin/rmt")))
	pkgs, err := source.Scan(context.Background(), []string{src}, archive.Limits{})
	if err != nil || len(pkgs) != 1 {
		t.Fatalf("scan: %v (%d packages)", err, len(pkgs))
	}
	return pkgs[0]
}

// checkRealPackage checks that the package dataset at dir holds writeRealPackage's package as
// shipped: the setuid bit, the link targets, the hard link as one file, owned by root.
func checkRealPackage(t testing.TB, dir string) {
	t.Helper()
	root := filepath.Join(dir, "root")
	su, err := os.Lstat(filepath.Join(root, "bin/su"))
	must(t, err)
	if su.Mode()&os.ModeSetuid == 0 {
		t.Errorf("bin/su: mode %v; want setuid as shipped", su.Mode())
	}
	if st := su.Sys().(*syscall.Stat_t); st.Uid != 0 || st.Gid != 0 {
		t.Errorf("bin/su: owner %d:%d; want 0:0", st.Uid, st.Gid)
	}
	su2, err := os.Lstat(filepath.Join(root, "bin/su2"))
	must(t, err)
	if !os.SameFile(su, su2) {
		t.Error("bin/su and bin/su2 are two files; the package ships one file with two names")
	}
	for link, want := range map[string]string{"usr/lib/ssl/cert.pem": "/etc/ssl/certs/ca-certificates.crt", "bin/rmt": "../../etc/rmt"} {
		if got, err := os.Readlink(filepath.Join(root, link)); err != nil || got != want {
			t.Errorf("readlink %s = %q, %v; want %q", link, got, err, want)
		}
	}
}

// createRecorder records the properties of every dataset created through it.
type createRecorder struct {
	zfs.Client
	mu    sync.Mutex
	props map[string]zfs.Props
}

func (r *createRecorder) Create(ctx context.Context, name string, opt zfs.CreateOptions) error {
	r.mu.Lock()
	if r.props == nil {
		r.props = map[string]zfs.Props{}
	}
	r.props[name] = opt.Props
	r.mu.Unlock()
	return r.Client.Create(ctx, name, opt)
}

// compress compresses a tar stream as suffix says.
func compress(t testing.TB, suffix string, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	switch suffix {
	case ".tar.gz":
		w := gzip.NewWriter(&buf)
		_, err := w.Write(b)
		must(t, err)
		must(t, w.Close())
	case ".tar.xz":
		w, err := xz.NewWriter(&buf)
		must(t, err)
		_, err = w.Write(b)
		must(t, err)
		must(t, w.Close())
	case ".tar.bz2":
		// The standard library only decompresses bzip2: the tests need the bzip2 program.
		cmd := exec.Command("bzip2", "-c")
		cmd.Stdin = bytes.NewReader(b)
		out, err := cmd.Output()
		must(t, err)
		return out
	default:
		t.Fatalf("no compression for %s", suffix)
	}
	return buf.Bytes()
}
