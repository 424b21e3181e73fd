package gitrev

import (
	"context"
	"strings"
)

// Revisions is the revision of a configuration made of several directories (`-c DIR` given
// more than once): one Revision per work tree, in the order the directories were given.
// Directories in the same work tree (a fleet repository's common/ and hosts/<name>/) count once;
// directories in no work tree count once together, as None.
type Revisions []Revision

// ReadDirs reads the revision of each directory (see Read) and keeps one per work tree. An error
// names the repository file that could not be read.
func ReadDirs(ctx context.Context, dirs ...string) (Revisions, error) {
	var out Revisions
	seen := map[string]bool{}
	for _, d := range dirs {
		r, err := Read(ctx, d)
		if err != nil {
			return nil, err
		}
		if seen[r.Worktree] {
			continue
		}
		seen[r.Worktree] = true // "" stands for every directory outside Git
		out = append(out, r)
	}
	return out, nil
}

// String is the form recorded everywhere (plan, store property, status, metrics): a single
// work tree's Revision.String(), or, for directories in several, each one's joined with ","
// in the order given ("none" for the directories in no work tree). No directory, or none in
// Git, is "none".
func (rs Revisions) String() string {
	var parts []string
	inGit := false
	for _, r := range rs {
		parts = append(parts, r.String())
		inGit = inGit || r.String() != None
	}
	if !inGit {
		return None
	}
	return strings.Join(parts, ",")
}

// Dirty says some work tree has changes its commit does not.
func (rs Revisions) Dirty() bool {
	for _, r := range rs {
		if r.Dirty {
			return true
		}
	}
	return false
}
