package spec

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// The schemas are the configuration language's contract: block and argument names.

func rootSchema() *hcl.BodySchema {
	return &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "store"},
		{Type: "source", LabelNames: []string{"name"}},
		{Type: "profile", LabelNames: []string{"name"}},
		{Type: "environment", LabelNames: []string{"name"}},
		{Type: "gc"},
	}}
}

func storeSchema() *hcl.BodySchema {
	return &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "dataset", Required: true},
		{Name: "mountpoint"},
	}}
}

func sourceSchema() *hcl.BodySchema {
	return &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "path", Required: true}}}
}

func profileSchema() *hcl.BodySchema {
	return &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "description"}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "package", LabelNames: []string{"name"}}},
	}
}

func packageSchema() *hcl.BodySchema {
	return &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "version"}, {Name: "allow_setuid"}}}
}

func environmentSchema() *hcl.BodySchema {
	return &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "profile", Required: true},
		{Name: "conflict_policy"},
		{Name: "keep_generations"},
		{Name: "prevent_destroy"},
	}}
}

func gcSchema() *hcl.BodySchema {
	return &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "grace_period"},
		{Name: "max_deletes"},
	}}
}

// decoder collects the blocks of all files and every diagnostic about them.
type decoder struct {
	diags        hcl.Diagnostics
	src          map[string][]byte // file contents by the names used in ranges
	stores       []Store
	gcs          []GC
	sources      []Source
	profiles     []Profile
	environments []Environment
	// opaque is set when a file could not be read, or has syntax errors that hide what the rest
	// of it declares (an unterminated string or heredoc, a profile header whose name cannot be
	// read): anything may be declared there, so checks for missing things are skipped rather
	// than reported falsely.
	opaque bool
	// sawStore and profileLabels record what the files declare even where a block was not
	// decoded: dropped for a malformed header (`store "x" {}`, `profile "a" "b" {}`), which is
	// reported once, not again as a missing store or an undefined profile; or written in a
	// file with syntax errors, whose block headers are still read (see scanTokens).
	sawStore      bool
	profileLabels []string
}

// decode decodes the parsed files into a Config, which is meaningful only if no error
// diagnostic is returned. Files may come in any order.
//
// A file with syntax errors is decoded as far as its content can be trusted (see
// brokenFile), so that one typo hides neither the other errors in it nor any check of the
// other files.
func decode(dir string, files []*sourceFile) (*Config, hcl.Diagnostics) {
	d := &decoder{src: map[string][]byte{}}
	for _, f := range files {
		d.src[f.display] = f.src
		switch {
		case f.file == nil:
			d.opaque = true // unreadable: what it declares is unknown
		case f.broken:
			b := newBrokenFile(f)
			d.opaque = d.opaque || b.opaque
			d.sawStore = d.sawStore || b.sawStore
			d.profileLabels = append(d.profileLabels, b.profileLabels...)
			d.decodeFile(f, b)
		default:
			d.scanHeaders(f.file.Body)
			d.decodeFile(f, nil)
		}
	}

	// From here on, "first" means first by file name and position, never by reading order.
	byPos := func(a, b hcl.Range) int {
		if c := strings.Compare(a.Filename, b.Filename); c != 0 {
			return c
		}
		return a.Start.Byte - b.Start.Byte
	}
	slices.SortFunc(d.stores, func(a, b Store) int { return byPos(a.DeclRange, b.DeclRange) })
	slices.SortFunc(d.gcs, func(a, b GC) int { return byPos(a.DeclRange, b.DeclRange) })
	slices.SortFunc(d.sources, func(a, b Source) int { return byPos(a.DeclRange, b.DeclRange) })
	slices.SortFunc(d.profiles, func(a, b Profile) int { return byPos(a.DeclRange, b.DeclRange) })
	slices.SortFunc(d.environments, func(a, b Environment) int { return byPos(a.DeclRange, b.DeclRange) })

	cfg := &Config{Dir: dir, digest: digest(files)}
	for _, f := range files {
		cfg.Files = append(cfg.Files, f.abs)
	}
	slices.Sort(cfg.Files)

	cfg.Store = d.checkStore(files)
	d.checkNameLengths(cfg.Store)
	cfg.GC = d.checkGC()
	checkUnique(d, "source", d.sources, sourceName, func(s Source) hcl.Range { return s.DeclRange })
	checkUnique(d, "profile", d.profiles, profileName, func(p Profile) hcl.Range { return p.DeclRange })
	checkUnique(d, "environment", d.environments, environmentName, func(e Environment) hcl.Range { return e.DeclRange })
	d.checkReferences()

	// Stable, so that among duplicates (already errors) the first stays first.
	slices.SortStableFunc(d.sources, func(a, b Source) int { return strings.Compare(a.Name, b.Name) })
	slices.SortStableFunc(d.profiles, func(a, b Profile) int { return strings.Compare(a.Name, b.Name) })
	slices.SortStableFunc(d.environments, func(a, b Environment) int { return strings.Compare(a.Name, b.Name) })
	cfg.Sources, cfg.Profiles, cfg.Environments = d.sources, d.profiles, d.environments
	return cfg, d.diags
}

// decodeFile decodes the top-level blocks of f. For a file with syntax errors, broken says which
// blocks and diagnostics can be trusted; it is nil for a file that parsed.
func (d *decoder) decodeFile(f *sourceFile, broken *brokenFile) {
	content, diags := f.file.Body.Content(rootSchema())
	for _, diag := range diags {
		if broken == nil || diag.Subject == nil || broken.trusted(*diag.Subject) {
			d.diags = append(d.diags, diag)
		}
	}
	fileDir := filepath.Dir(f.abs)
	for _, b := range content.Blocks {
		if broken != nil && !broken.trustedBlock(b) {
			continue
		}
		switch b.Type {
		case "store":
			d.stores = append(d.stores, d.store(b))
		case "source":
			d.sources = append(d.sources, d.source(b, fileDir))
		case "profile":
			d.profiles = append(d.profiles, d.profile(b))
		case "environment":
			d.environments = append(d.environments, d.environment(b))
		case "gc":
			d.gcs = append(d.gcs, d.gc(b))
		}
	}
}

// scanHeaders records the store and profile blocks of a body as written, whatever their labels.
func (d *decoder) scanHeaders(body hcl.Body) {
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		return
	}
	for _, b := range sb.Blocks {
		switch {
		case b.Type == "store":
			d.sawStore = true
		case b.Type == "profile" && len(b.Labels) > 0:
			d.profileLabels = append(d.profileLabels, b.Labels[0])
		}
	}
}
