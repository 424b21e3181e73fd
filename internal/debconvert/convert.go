package debconvert

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/debian"
	"github.com/axiom-reconcile/axiom-reconcile/internal/pkgmeta"
)

// Builder is written as provenance.yaml's builder.
const Builder = "debian-to-axiom"

// Package is one converted package, as Convert reports it.
type Package struct {
	Dir     string // the package's directory name below the output directory
	Deb     string // the .deb file name
	Name    string
	Version string // Debian's version
	Files   int    // regular files under root/ (a hard-linked file counts once)
	Links   int    // symlinks under root/
	Bytes   int64  // bytes of the regular files (each hard-linked file once)
	SetID   int    // regular files with the set-uid or set-gid bit
	Notes   []string
}

// Convert converts every *.deb in debDir into a package directory below out, which must not
// exist. It returns the packages in name order.
func Convert(ctx context.Context, debDir, out string) ([]Package, error) {
	debs, err := filepath.Glob(filepath.Join(debDir, "*.deb"))
	if err != nil {
		return nil, err
	}
	if len(debs) == 0 {
		return nil, fmt.Errorf("%s: no .deb files", debDir)
	}
	slices.Sort(debs)
	ctrls := make([]debian.Control, len(debs))
	for i, deb := range debs {
		b, err := dpkgDeb(ctx, "--info", deb, "control")
		if err != nil {
			return nil, err
		}
		if ctrls[i], err = debian.ParseControl(b); err != nil {
			return nil, fmt.Errorf("%s: %w", deb, err)
		}
	}
	set, err := debian.NewSet(ctrls)
	if err != nil {
		return nil, err
	}
	if _, err := os.Lstat(out); err == nil {
		return nil, fmt.Errorf("%s: %w", out, fs.ErrExist)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var pkgs []Package
	for i, deb := range debs {
		p, err := convertOne(ctx, set, ctrls[i], deb, tmp)
		if err != nil {
			return nil, err
		}
		pkgs = append(pkgs, p)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, out); err != nil {
		return nil, err
	}
	slices.SortFunc(pkgs, func(a, b Package) int { return strings.Compare(a.Name, b.Name) })
	return pkgs, nil
}

// convertOne writes one package below dir.
func convertOne(ctx context.Context, set *debian.Set, c debian.Control, deb, dir string) (Package, error) {
	res, err := set.Map(c)
	if err != nil {
		return Package{}, fmt.Errorf("%s: %w", deb, err)
	}
	sum, err := fileSHA256(deb)
	if err != nil {
		return Package{}, err
	}
	m := res.Manifest
	p := Package{Dir: m.Name + "-" + m.Version.String(), Deb: filepath.Base(deb), Name: m.Name, Notes: res.Notes}
	if v, err := c.Version(); err == nil {
		p.Version = v.String()
	}
	pdir := filepath.Join(dir, p.Dir)
	if err := os.Mkdir(pdir, 0o755); err != nil {
		return Package{}, fmt.Errorf("%s: %w", deb, err) // two packages mapping to one directory
	}
	prov := pkgmeta.Provenance{Builder: Builder, SourceURL: p.Deb, SourceHash: "sha256:" + sum}
	for name, b := range map[string][]byte{
		"manifest.yaml": m.Marshal(), "deps.yaml": res.Deps.Marshal(), "provenance.yaml": prov.Marshal(),
	} {
		if err := os.WriteFile(filepath.Join(pdir, name), b, 0o644); err != nil {
			return Package{}, err
		}
	}
	root := filepath.Join(pdir, "root")
	if _, err := dpkgDeb(ctx, "-x", deb, root); err != nil {
		return Package{}, err
	}
	// dpkg-deb gives root/ the mode of the archive's "./", which may be anything; a package's
	// root is a plain directory.
	if err := os.Chmod(root, 0o755); err != nil {
		return Package{}, err
	}
	if err := count(root, &p); err != nil {
		return Package{}, fmt.Errorf("%s: %w", deb, err)
	}
	return p, nil
}

// count adds up root's files, links, bytes and set-id files into p.
func count(root string, p *Package) error {
	seen := map[[2]uint64]bool{}
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			p.Links++
		case d.Type().IsRegular():
			fi, err := d.Info()
			if err != nil {
				return err
			}
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				key := [2]uint64{uint64(st.Dev), uint64(st.Ino)}
				if seen[key] {
					return nil
				}
				seen[key] = true
			}
			p.Files++
			p.Bytes += fi.Size()
			if fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid) != 0 {
				p.SetID++
			}
		}
		return nil
	})
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ErrNoDpkgDeb is returned (wrapped) when dpkg-deb is not installed.
var ErrNoDpkgDeb = errors.New("dpkg-deb not found (install dpkg)")

// dpkgDeb runs dpkg-deb with args and returns its standard output; a failure carries its
// standard error.
func dpkgDeb(ctx context.Context, args ...string) ([]byte, error) {
	bin, err := exec.LookPath("dpkg-deb")
	if err != nil {
		return nil, ErrNoDpkgDeb
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("dpkg-deb %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// Summary writes one line per package and a total.
func Summary(w io.Writer, pkgs []Package) {
	var t Package
	for _, p := range pkgs {
		fmt.Fprintf(w, "%-28s %-28s %6d files %5d symlinks %11d bytes %2d set-id %3d notes\n",
			p.Dir, p.Version, p.Files, p.Links, p.Bytes, p.SetID, len(p.Notes))
		t.Files, t.Links, t.Bytes, t.SetID = t.Files+p.Files, t.Links+p.Links, t.Bytes+p.Bytes, t.SetID+p.SetID
	}
	fmt.Fprintf(w, "total: %d packages, %d files, %d symlinks, %d bytes, %d set-id files\n",
		len(pkgs), t.Files, t.Links, t.Bytes, t.SetID)
}
