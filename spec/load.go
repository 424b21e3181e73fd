package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// Load reads the configuration in dir. See Loader.Load.
func Load(dir string) (*Config, hcl.Diagnostics) {
	var l Loader
	return l.Load(dir)
}

// A Loader reads configuration directories and keeps the files it read, so that diagnostics can
// be shown with source snippets even when loading failed. The zero value is ready to use. A
// Loader is not safe for concurrent use.
type Loader struct {
	files map[string]*hcl.File
}

// Load reads every *.hcl file directly in dir (not in subdirectories; names beginning with '.'
// are ignored) and decodes them as one configuration. It returns either a valid *Config and no
// error diagnostics (perhaps warnings), or nil and every problem found. Ranges in the config and
// in diagnostics name files as filepath.Join(dir, name), so they read as the user wrote dir.
func (l *Loader) Load(dir string) (*Config, hcl.Diagnostics) {
	return l.LoadDirs(dir)
}

// LoadDirs is Load for several directories merged as one configuration, exactly as the files of
// one directory are (a fleet repository: common/ plus hosts/<name>/): a block declared twice,
// in one directory or across them, is an error naming both places. Config.Dir is the first
// directory; Config.Dirs lists them all. A directory given twice is read once.
func (l *Loader) LoadDirs(dirs ...string) (*Config, hcl.Diagnostics) {
	var all []dirFiles
	seen := map[string]bool{}
	for _, dir := range dirs {
		if abs, err := filepath.Abs(dir); err == nil && seen[abs] {
			continue
		} else if err == nil {
			seen[abs] = true
		}
		df, d := listDir(newDirFS(dir), dir)
		if d != nil {
			l.files = nil
			return nil, hcl.Diagnostics{d}
		}
		if len(dirs) > 1 {
			df.prefix = strconv.Itoa(len(all)) + "/"
		}
		all = append(all, df)
	}
	if len(all) == 0 {
		l.files = nil
		return nil, hcl.Diagnostics{dirError(".", "No configuration directory", "Name at least one configuration directory.")}
	}
	return l.load(all)
}

// LoadFS is Load reading from fsys, whose root holds the configuration files. dir names that
// root: it prefixes file names in ranges, becomes Config.Dir once made absolute, and is the base
// of relative source paths.
func (l *Loader) LoadFS(fsys fs.FS, dir string) (*Config, hcl.Diagnostics) {
	df, d := listDir(fsys, dir)
	if d != nil {
		l.files = nil
		return nil, hcl.Diagnostics{d}
	}
	return l.load([]dirFiles{df})
}

// listDir lists the configuration files of one directory; a directory that cannot be listed or
// holds no *.hcl file is a diagnostic naming it.
func listDir(fsys fs.FS, dir string) (dirFiles, *hcl.Diagnostic) {
	names, err := ListFiles(fsys)
	if err != nil {
		return dirFiles{}, dirError(dir, "Cannot read configuration directory", inDir(dir, err).Error())
	}
	if len(names) == 0 {
		return dirFiles{}, dirError(dir, "No configuration files", fmt.Sprintf("The directory %s contains no *.hcl files.", dir))
	}
	return dirFiles{fsys: fsys, dir: dir, names: names}, nil
}

// Files returns the files read by the last Load or LoadFS, keyed by the file names used in
// ranges, for WriteDiagnostics. The map must not be modified.
func (l *Loader) Files() map[string]*hcl.File { return l.files }

// ListFiles returns the names of the configuration files at the root of fsys, sorted: regular
// files (or links to them) named *.hcl whose name does not begin with '.'. Editors' backup and
// lock files are thereby skipped.
func ListFiles(fsys fs.FS) ([]string, error) {
	des, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, de := range des {
		name := de.Name()
		if !strings.HasSuffix(name, ".hcl") || strings.HasPrefix(name, ".") {
			continue
		}
		mode := de.Type()
		if mode&fs.ModeSymlink != 0 {
			fi, err := fs.Stat(fsys, name)
			if err != nil {
				return nil, err
			}
			mode = fi.Mode().Type()
		}
		if mode.IsRegular() {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, nil
}

// ListDir is ListFiles for the directory dir; errors name paths as dir/NAME.
func ListDir(dir string) ([]string, error) {
	names, err := ListFiles(os.DirFS(dir))
	return names, inDir(dir, err)
}

// inDir rewrites the path of an fs.FS error, which is relative to the file system's root, to
// the path the user knows.
func inDir(dir string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &fs.PathError{Op: pe.Op, Path: filepath.Join(dir, pe.Path), Err: pe.Err}
	}
	return err
}

// sourceFile is one configuration file as read.
type sourceFile struct {
	name    string // relative to the configuration directory
	display string // the name used in ranges
	abs     string
	src     []byte
	file    *hcl.File       // nil when the file could not be read
	broken  bool            // unreadable or has syntax errors, so its content is unknown or incomplete
	syntax  hcl.Diagnostics // the parser's errors, when broken
}

// dirFiles is one configuration directory to read: its files, listed, by name.
type dirFiles struct {
	fsys  fs.FS
	dir   string // as the user gave it, for ranges
	names []string
	// prefix, with several directories, keeps file names apart in the digest: the directory's
	// position among them.
	prefix string
}

// load reads and decodes the files of every directory, in the order given. Its result must not
// depend on the order of each directory's names; TestLoadOrderIndependent holds it to that.
func (l *Loader) load(dirs []dirFiles) (*Config, hcl.Diagnostics) {
	parser := hclparse.NewParser() // a fresh one: hclparse caches files by name
	l.files = nil
	defer func() { l.files = parser.Files() }()

	var diags hcl.Diagnostics
	var files []*sourceFile
	var absDirs []string
	for _, df := range dirs {
		abs, err := filepath.Abs(df.dir)
		if err != nil {
			return nil, hcl.Diagnostics{dirError(df.dir, "Cannot read configuration directory", err.Error())}
		}
		absDirs = append(absDirs, abs)
		for _, name := range df.names {
			f := &sourceFile{name: df.prefix + name, display: filepath.Join(df.dir, name), abs: filepath.Join(abs, name)}
			diags = append(diags, readSource(parser, df, name, f)...)
			files = append(files, f)
		}
	}
	cfg, dd := decode(absDirs[0], files)
	diags = append(diags, dd...)
	diags = finish(diags, files)
	if diags.HasErrors() {
		return nil, diags
	}
	cfg.Dirs = absDirs
	cfg.sources = parser.Files()
	return cfg, diags
}

// readSource reads and parses one configuration file into f, marking it broken when its content
// is unknown (unreadable, refused before parsing) or incomplete (syntax errors).
func readSource(parser *hclparse.Parser, df dirFiles, name string, f *sourceFile) hcl.Diagnostics {
	var err error
	f.src, err = readLimited(df.fsys, name)
	if err != nil {
		f.broken = true // what it declares is unknown
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read configuration file",
			Detail: inDir(df.dir, err).Error(), Subject: &hcl.Range{Filename: f.display}}}
	}
	if d := checkShape(f.src, f.display); d != nil {
		f.broken, f.syntax, f.src = true, hcl.Diagnostics{d}, nil // nothing of it is read
		return hcl.Diagnostics{d}
	}
	var pd hcl.Diagnostics
	f.file, pd = parser.ParseHCL(f.src, f.display)
	f.broken = pd.HasErrors()
	for _, diag := range pd {
		if diag.Severity == hcl.DiagError && diag.Subject != nil {
			f.syntax = append(f.syntax, diag)
		}
	}
	return pd
}

// finish makes the diagnostics independent of file order, sorting them by position, and makes
// sure every one of them points somewhere.
func finish(diags hcl.Diagnostics, files []*sourceFile) hcl.Diagnostics {
	first := ""
	for _, f := range files {
		if first == "" || f.display < first {
			first = f.display
		}
	}
	for _, d := range diags {
		if d.Subject == nil {
			// Every diagnostic this package makes has a Subject; this guards against hcl
			// leaving one out, since a diagnostic that points nowhere is useless to a user.
			d.Subject = startOf(first)
		}
	}
	slices.SortStableFunc(diags, func(a, b *hcl.Diagnostic) int {
		if c := strings.Compare(a.Subject.Filename, b.Subject.Filename); c != 0 {
			return c
		}
		return a.Subject.Start.Byte - b.Subject.Start.Byte
	})
	return diags
}

// digest computes Config.Digest over files sorted by name.
func digest(files []*sourceFile) string {
	sorted := slices.Clone(files)
	slices.SortFunc(sorted, func(a, b *sourceFile) int { return strings.Compare(a.name, b.name) })
	h := sha256.New()
	for _, f := range sorted {
		// Length-prefixed, so no two different file sets hash the same input.
		h.Write([]byte(strconv.Itoa(len(f.name)) + ":" + f.name + strconv.Itoa(len(f.src)) + ":"))
		h.Write(f.src)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// startOf is the empty range at the start of a file, for problems with a whole file or
// directory.
func startOf(filename string) *hcl.Range {
	return &hcl.Range{Filename: filename, Start: hcl.InitialPos, End: hcl.InitialPos}
}

// dirError reports a problem with the directory as a whole. Its Subject names the directory and
// no position (line 0).
func dirError(dir, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: &hcl.Range{Filename: dir}}
}
