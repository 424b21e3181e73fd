package pkgmeta

import (
	"testing"
)

// The files in testdata/upstream are upstream's own examples (pgsdf/axiom examples/*.yaml at
// 1e89afa7eb91), the examples of axiom-model.md §2, and files in the exact shapes upstream's
// writers produce (store.zig, import.zig). Each must read to the values below.

func TestUpstreamManifests(t *testing.T) {
	tests := map[string]Manifest{
		"manifest.yaml": {
			FormatVersion: "1.0",
			Name:          "bash",
			Version:       mustV("5.2.0"),
			Revision:      1,
			Description:   "GNU Bourne Again Shell",
			License:       "GPL-3.0-or-later",
			Homepage:      "https://www.gnu.org/software/bash/",
			Maintainer:    "Vester Thacker <vic@pgsdf.org>",
			Tags:          []string{"shell", "terminal", "posix"},
		},
		"store-manifest.yaml": {
			FormatVersion: "1.0",
			Name:          "autoconf",
			Version:       mustV("2.72.0"),
			Revision:      1,
			Description:   "Automatically configure source code on many Un*x platforms",
			License:       "GPL-3.0-or-later",
			Homepage:      "https://www.gnu.org/software/autoconf/",
			Maintainer:    "ports@FreeBSD.org",
			Origin:        "devel/autoconf",
			Tags:          []string{"devel"},
		},
		"kmod-manifest.yaml": {
			FormatVersion: "1.0",
			Name:          "drm-kmod",
			Version:       mustV("6.1.128"),
			Revision:      2,
			Description:   "DRM drivers modules",
			Provides:      []string{"drm-driver"},
			Conflicts: []Relation{
				{Name: "drm-legacy-kmod"},
				{Name: "drm-510-kmod", Constraint: mustC("<=5.10.163")},
			},
			Replaces: []Relation{{Name: "drm-fbsd13-kmod", Constraint: mustC("^5.4.0")}},
			Extra: []Field{
				{Key: "kernel", Value: node(t, "kmod: true\nfreebsd_version_min: 1400000\nfreebsd_version_max: 1499999\nkld_names: [amdgpu, i915kms]\n")},
				{Key: "services", Value: node(t, "- {name: drm, type: rc, default_enabled: false}\n")},
			},
		},
	}
	for file, want := range tests {
		t.Run(file, func(t *testing.T) {
			got, err := ParseManifest(readFile(t, "testdata/upstream/"+file))
			if err != nil {
				t.Fatal(err)
			}
			if d := diff(want, got); d != "" {
				t.Errorf("ParseManifest mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestUpstreamDeps(t *testing.T) {
	tests := map[string]Deps{
		"deps.yaml": {Dependencies: []Dependency{
			{Name: "libc", Constraint: mustC("*")},
			{Name: "ncurses", Constraint: mustC("~6.4.0")},
			{Name: "readline", Constraint: mustC(">=8.0.0")},
		}},
		"model-deps.yaml": {Dependencies: []Dependency{
			{Name: "readline", Constraint: mustC(">=8.0.0")},
		}},
		"import-deps.yaml": {},
	}
	for file, want := range tests {
		t.Run(file, func(t *testing.T) {
			got, err := ParseDeps(readFile(t, "testdata/upstream/"+file))
			if err != nil {
				t.Fatal(err)
			}
			if d := diff(want, got); d != "" {
				t.Errorf("ParseDeps mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestUpstreamProvenance(t *testing.T) {
	tests := map[string]Provenance{
		"provenance.yaml": {
			BuildTime:       1701388800,
			Builder:         "build-host-01.pgsdf.org",
			BuildUser:       "axiom-builder",
			SourceURL:       "https://ftp.gnu.org/gnu/bash/bash-5.2.tar.gz",
			SourceHash:      "sha256:a139c166df7ff4471c5e0733051642ee5556c1cc8a4a78f145583c5c81ab32fb",
			Compiler:        "clang",
			CompilerVersion: "16.0.6",
			BuildFlags:      []string{"-O2", "-march=x86-64", "-fstack-protector-strong"},
			Environment:     map[string]string{"CC": "clang", "CFLAGS": "-O2 -march=x86-64", "PREFIX": "/usr/local"},
		},
		"import-provenance.yaml": {
			BuildTime: 1747900000,
			Builder:   "axiom-import",
			SourceURL: "/usr/ports/shells/bash/work/stage",
		},
	}
	for file, want := range tests {
		t.Run(file, func(t *testing.T) {
			got, err := ParseProvenance(readFile(t, "testdata/upstream/"+file))
			if err != nil {
				t.Fatal(err)
			}
			if d := diff(want, got); d != "" {
				t.Errorf("ParseProvenance mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestUpstreamProfiles(t *testing.T) {
	tests := map[string]Profile{
		// Upstream reads 0 packages from this file (axiom-model.md §0.1); we read all five.
		"profile.yaml": {
			FormatVersion: "1.0",
			Name:          "development",
			Description:   "Development environment with common tools",
			Packages: []Request{
				{Name: "bash", Constraint: mustC("^5.0.0")},
				{Name: "gcc", Constraint: mustC("~13.2.0")},
				{Name: "git", Constraint: mustC(">=2.40.0")},
				{Name: "python", Constraint: mustC("3.11.0")},
				{Name: "vim", Constraint: mustC("*")},
			},
		},
		"model-profile.yaml": {
			FormatVersion: "1.0",
			Name:          "development",
			Description:   "Created via axiom CLI",
			Packages:      []Request{{Name: "bash", Constraint: mustC("^5.0.0")}},
		},
	}
	for file, want := range tests {
		t.Run(file, func(t *testing.T) {
			got, err := ParseProfile(readFile(t, "testdata/upstream/"+file))
			if err != nil {
				t.Fatal(err)
			}
			if d := diff(want, got); d != "" {
				t.Errorf("ParseProfile mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestUpstreamLocks(t *testing.T) {
	entry := func(name, ver string, rev uint32, id string, req bool) LockEntry {
		return LockEntry{Name: name, Version: mustV(ver), Revision: rev, BuildID: id, Requested: req}
	}
	tests := map[string]Lock{
		// Upstream reads 0 entries from this file (axiom-model.md §0.1); we read all seven, sorted.
		"profile.lock.yaml": {
			FormatVersion: "1.0",
			ProfileName:   "development",
			LockVersion:   1,
			Resolved: []LockEntry{
				entry("bash", "5.2.0", 1, "abc123", true),
				entry("gcc", "13.2.1", 1, "pqr678", true),
				entry("git", "2.43.0", 1, "jkl012", true),
				entry("ncurses", "6.4.0", 1, "ghi789", false),
				entry("python", "3.11.0", 3, "stu901", true),
				entry("readline", "8.2.0", 1, "def456", false),
				entry("vim", "9.0.0", 2, "mno345", true),
			},
		},
		"model-lock.yaml": {
			FormatVersion: "1.0",
			ProfileName:   "development",
			LockVersion:   1,
			Resolved:      []LockEntry{entry("bash", "5.2.0", 1, "abc123", true)},
		},
	}
	for file, want := range tests {
		t.Run(file, func(t *testing.T) {
			got, err := ParseLock(readFile(t, "testdata/upstream/"+file))
			if err != nil {
				t.Fatal(err)
			}
			if d := diff(want, got); d != "" {
				t.Errorf("ParseLock mismatch (-want +got):\n%s", d)
			}
		})
	}
}

// TestExtraDecodes: a caller can read a preserved section with yaml.v3's Decode.
func TestExtraDecodes(t *testing.T) {
	m, err := ParseManifest(readFile(t, "testdata/upstream/kmod-manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var kernel struct {
		Kmod     bool     `yaml:"kmod"`
		Min      uint32   `yaml:"freebsd_version_min"`
		KldNames []string `yaml:"kld_names"`
	}
	if m.Extra[0].Key != "kernel" {
		t.Fatalf("Extra[0] is %q; want kernel (Extra is sorted by key)", m.Extra[0].Key)
	}
	if err := m.Extra[0].Value.Decode(&kernel); err != nil {
		t.Fatal(err)
	}
	if !kernel.Kmod || kernel.Min != 1400000 || len(kernel.KldNames) != 2 || kernel.KldNames[1] != "i915kms" {
		t.Errorf("kernel section decoded as %+v", kernel)
	}
}
