package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
	"github.com/axiom-reconcile/axiom-reconcile/internal/pkgmeta"
)

// ModTime is the modification time, in Unix seconds, that Materialize gives every file and
// directory it writes: one second after the epoch, as Nix does, because some tools treat 0 as
// "unknown".
const ModTime = 1

// Builder is the provenance builder Materialize records for a package that has no
// provenance.yaml.
const Builder = "axiom-reconcile"

// Materialize writes the package into dest, an existing empty directory: manifest.yaml,
// deps.yaml and provenance.yaml at the top (as pkgmeta writes them), the file tree under
// root/. A package without provenance.yaml gets one saying builder "axiom-reconcile",
// source_url Origin and build_time now.
//
// It reads the origin again and checks every entry, every content hash, the metadata and the
// build-id against what Scan recorded; anything different is an error wrapping [ErrChanged]
// (a directory or archive that now fails to read, or is gone, counts as changed too). Only a
// nil return means dest holds exactly this package, durably (files and directories fsynced);
// after an error dest holds a partial tree and must be discarded. Modes are the recorded ones
// (see [File]), setuid and setgid included: a package dataset holds the package as shipped,
// and the store mounts it setuid=off, so they take effect only where an environment keeps them.
// Symlinks get their targets exactly as shipped. The names of a hard-linked file are written
// as hard links to one file. Run as root, Materialize makes root (0:0) the owner of everything
// it writes, whatever group the destination would give it; otherwise everything belongs to
// the running user. Times are [ModTime]. ctx is checked between entries.
func (p *Package) Materialize(ctx context.Context, dest string, now time.Time) error {
	return p.MaterializeReporting(ctx, dest, now, nil)
}

// MaterializeReporting is Materialize that calls written, if not nil, after each entry of the
// package's tree is written (a progress report: see [Package.Files] for the totals).
func (p *Package) MaterializeReporting(ctx context.Context, dest string, now time.Time, written func(File)) error {
	destErr := func(name string, err error) error {
		return fmt.Errorf("materialize %s: %s: %w", p.Origin, filepath.Join(dest, filepath.FromSlash(name)), err)
	}
	names, err := readDirNames(dest)
	if err != nil {
		return destErr("", err)
	}
	if len(names) > 0 {
		return destErr("", fmt.Errorf("not empty (holds %q)", names[0]))
	}
	root, err := os.OpenRoot(dest)
	if err != nil {
		return destErr("", err)
	}
	defer root.Close()

	w := &writer{
		root:     root,
		want:     make(map[string]File, len(p.Files)),
		dirModes: map[string]fs.FileMode{rootDir: 0o755},
		mtime:    time.Unix(ModTime, 0),
		names:    make(map[string]string),
		chown:    os.Geteuid() == 0,
		written:  written,
	}
	for _, f := range p.Files {
		w.want[f.Path] = f
	}
	if err := root.Mkdir(rootDir, 0o700); err != nil {
		return destErr(rootDir, err)
	}
	w.made = map[string]bool{rootDir: true}

	c, err := readOrigin(ctx, p.Origin, p.lim, w.visit(p.Origin))
	if err != nil {
		var de *destError
		switch {
		case errors.As(err, &de):
			return destErr(de.name, de.err)
		case errors.Is(err, ErrChanged), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			return err
		case nowRejected(err):
			// Scan read this origin without complaint; now it is rejected or gone. It changed.
			return &Error{Origin: p.Origin, Err: fmt.Errorf("%w: %w", ErrChanged, err)}
		}
		return err
	}
	if err := p.verify(c); err != nil {
		return err
	}

	prov := pkgmeta.Provenance{BuildTime: now.Unix(), Builder: Builder, SourceURL: p.Origin}
	if p.Provenance != nil {
		prov = *p.Provenance
	}
	for _, m := range []struct {
		name string
		data []byte
	}{
		{manifestFile, p.Manifest.Marshal()},
		{depsFile, p.Deps.Marshal()},
		{provenanceFile, prov.Marshal()},
	} {
		if err := w.writeFile(m.name, 0o644, bytes.NewReader(m.data)); err != nil {
			return destErr(m.name, err)
		}
	}
	if name, err := w.finishDirs(); err != nil {
		return destErr(name, err)
	}
	if err := syncDir(root, "."); err != nil {
		return destErr("", err)
	}
	return nil
}

// nowRejected reports whether err is a rejection of the origin's content (as opposed to, say,
// an I/O error) or says the origin is gone.
func nowRejected(err error) bool {
	for _, e := range []error{
		ErrInvalid, fs.ErrNotExist, archive.ErrUnsafePath, archive.ErrLinkEscape, archive.ErrSpecialFile,
		archive.ErrDuplicate, archive.ErrTooLarge, archive.ErrFormat, archive.ErrChanged,
	} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// verify compares a fresh read of the origin with p.
func (p *Package) verify(c *contents) error {
	meta, err := parseMeta(p.Origin, c.meta)
	if err != nil {
		return &Error{Origin: p.Origin, Err: fmt.Errorf("%w: %w", ErrChanged, err)}
	}
	if !bytes.Equal(meta.manifest.Marshal(), p.Manifest.Marshal()) {
		return changed(p.Origin, manifestFile, "differs from the scanned manifest")
	}
	if !bytes.Equal(meta.deps.Marshal(), p.Deps.Marshal()) {
		return changed(p.Origin, depsFile, "differs from the scanned dependencies")
	}
	switch {
	case (meta.provenance == nil) != (p.Provenance == nil):
		return changed(p.Origin, provenanceFile, "appeared or disappeared")
	case meta.provenance != nil && !bytes.Equal(meta.provenance.Marshal(), p.Provenance.Marshal()):
		return changed(p.Origin, provenanceFile, "differs from the scanned provenance")
	}
	files := slices.Clone(c.files)
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	if len(files) != len(p.Files) {
		return changed(p.Origin, "", "root/ holds %d entries; the scan found %d", len(files), len(p.Files))
	}
	for i, f := range files {
		if f != p.Files[i] {
			return changed(p.Origin, rootDir+"/"+f.Path, "%s", describeChange(p.Files[i], f))
		}
	}
	if id := BuildID(meta.manifest, meta.deps, files); id != p.BuildID {
		return changed(p.Origin, "", "build-id is now %s, not %s", id, p.BuildID)
	}
	return nil
}

// describeChange says how a file differs from what was scanned.
func describeChange(was, now File) string {
	switch {
	case was.Path != now.Path:
		return fmt.Sprintf("the scan found %q here", was.Path)
	case was.Type != now.Type:
		return fmt.Sprintf("was a %v, is a %v", was.Type, now.Type)
	case was.Mode != now.Mode:
		return fmt.Sprintf("mode was %v, is %v", was.Mode, now.Mode)
	case was.Size != now.Size:
		return fmt.Sprintf("size was %d, is %d", was.Size, now.Size)
	case was.Target != now.Target:
		return fmt.Sprintf("symlink target was %q, is %q", was.Target, now.Target)
	case was.Link != now.Link:
		return fmt.Sprintf("hard link to %q was to %q", now.Link, was.Link)
	}
	return "content differs (SHA-256)"
}

// writer builds the tree under dest/root.
type writer struct {
	root     *os.Root
	want     map[string]File        // root/-relative path → what Scan recorded
	made     map[string]bool        // dest-relative directories created so far
	dirModes map[string]fs.FileMode // dest-relative directory → final mode
	buf      []byte                 // copy buffer
	mtime    time.Time              // ModTime
	names    map[string]string      // linkKey of a file written → its dest-relative name
	chown    bool                   // make root the owner of everything written
	written  func(File)             // called after each entry is written; may be nil
}

// destError is a failure to write dest, as opposed to a problem with the origin.
type destError struct {
	name string
	err  error
}

func (e *destError) Error() string { return e.name + ": " + e.err.Error() }
func (e *destError) Unwrap() error { return e.err }

// visit returns the visitFunc that writes each root/ entry of origin, checking it against
// what Scan recorded as it comes (contents are checked by verify, once hashed).
func (w *writer) visit(origin string) visitFunc {
	seen := make(map[string]bool)
	return func(f File, r io.Reader) error {
		want, ok := w.want[f.Path]
		// The content is checked by verify, once hashed; so are hard links, once canonLinks
		// has put them in their canonical form.
		want.SHA256, want.Link = f.SHA256, f.Link
		switch {
		case !ok:
			return changed(origin, rootDir+"/"+f.Path, "was not there when the package was scanned")
		case seen[f.Path]:
			return changed(origin, rootDir+"/"+f.Path, "read twice")
		case want != f:
			return changed(origin, rootDir+"/"+f.Path, "%s", describeChange(want, f))
		}
		seen[f.Path] = true
		name := rootDir + "/" + f.Path
		if err := w.mkdirAll(path.Dir(name)); err != nil {
			return err
		}
		var err error
		switch f.Type {
		case Dir:
			err = w.mkdir(name)
			w.dirModes[name] = f.Mode
		case Symlink:
			err = w.symlink(f.Target, name)
		case Regular:
			err = w.regular(f, name, r)
		}
		if err != nil {
			return &destError{name: name, err: err}
		}
		if w.written != nil {
			w.written(f)
		}
		return nil
	}
}

// symlink creates the symlink name with target as shipped (the kernel never follows it to
// create it), owned by root when w.chown.
func (w *writer) symlink(target, name string) error {
	if err := w.root.Symlink(target, name); err != nil {
		return err
	}
	if w.chown {
		return w.root.Lchown(name, 0, 0)
	}
	return nil
}

// regular writes a regular file, or, for a later name of a file already written, a hard link
// to it: a package's hard links stay one file, as shipped.
func (w *writer) regular(f File, name string, r io.Reader) error {
	key := linkKey(f)
	if first, ok := w.names[key]; ok && f.Link != "" {
		return w.root.Link(first, name)
	}
	w.names[key] = name
	return w.writeFile(name, f.Mode, r)
}

// mkdir creates directory name (mode 0700 until finishDirs), unless this writer already did.
func (w *writer) mkdir(name string) error {
	if w.made[name] {
		return nil
	}
	if err := w.root.Mkdir(name, 0o700); err != nil {
		return err
	}
	w.made[name] = true
	return nil
}

// mkdirAll creates name and its parents: an archive may list an entry before its directory.
func (w *writer) mkdirAll(name string) error {
	if name == "." || w.made[name] {
		return nil
	}
	if err := w.mkdirAll(path.Dir(name)); err != nil {
		return err
	}
	if err := w.mkdir(name); err != nil {
		return &destError{name: name, err: err}
	}
	return nil
}

// writeFile creates name exclusively and fills it from r, then sets its owner (when w.chown),
// mode and time and fsyncs it. The owner comes first: chown clears setuid and setgid.
func (w *writer) writeFile(name string, mode fs.FileMode, r io.Reader) error {
	f, err := w.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if w.buf == nil {
		w.buf = make([]byte, 32<<10)
	}
	_, err = io.CopyBuffer(struct{ io.Writer }{f}, r, w.buf) // one buffer for all files
	if err == nil && w.chown {
		err = f.Chown(0, 0)
	}
	if err == nil {
		err = f.Chmod(mode) // on the descriptor: exact, no umask, no path race
	}
	if err == nil {
		err = w.root.Chtimes(name, w.mtime, w.mtime)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// finishDirs gives every directory it made its final mode and time and fsyncs it, deepest
// first, so that a directory's own time is set after its last child was added.
func (w *writer) finishDirs() (string, error) {
	dirs := make([]string, 0, len(w.made))
	for d := range w.made {
		dirs = append(dirs, d)
	}
	// Deepest first; among equals, any fixed order.
	slices.SortFunc(dirs, func(a, b string) int {
		if da, db := strings.Count(a, "/"), strings.Count(b, "/"); da != db {
			return db - da
		}
		return strings.Compare(a, b)
	})
	for _, d := range dirs {
		mode, ok := w.dirModes[d]
		if !ok {
			mode = 0o755 // a directory an archive implied without listing it
		}
		f, err := w.root.Open(d)
		if err != nil {
			return d, err
		}
		if w.chown {
			err = f.Chown(0, 0)
		}
		if err == nil {
			err = f.Chmod(mode)
		}
		if err == nil {
			err = w.root.Chtimes(d, w.mtime, w.mtime)
		}
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return d, err
		}
	}
	return "", nil
}

func syncDir(root *os.Root, name string) error {
	f, err := root.Open(name)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
