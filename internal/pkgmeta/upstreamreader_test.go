package pkgmeta

import (
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// A model of upstream's line readers, to check that nothing this package writes makes upstream
// read a field differently. It is a port of Manifest.parse (manifest.zig:152-392) and
// Provenance.parse (manifest.zig:709-780) at pgsdf/axiom 1e89afa7eb91, keeping what they assign
// and dropping their type conversions (a value is kept as the text upstream would convert):
//
//   - every line is trimmed of spaces, tabs and CRs; empty lines and lines starting with '#' are
//     skipped;
//   - a line starting with "- " appends the rest (trimmed) to the list the last key line opened,
//     if any;
//   - any other line closes that list; its key is the text before the first ':' and its value
//     the rest, trimmed: indentation does not matter, except that a non-indented "kernel" line
//     opens the manifest's kernel section and any other non-indented line closes it.

// upstreamView is what upstream's reader assigns: fields by key (the last assignment wins) and
// lists by key.
type upstreamView struct {
	fields map[string]string
	lists  map[string][]string
	kernel bool // a kernel: section was opened
}

func newUpstreamView() upstreamView {
	return upstreamView{fields: map[string]string{}, lists: map[string][]string{}}
}

// upstreamLine splits a line as upstream's readers do; ok is false for lines they skip.
func upstreamLine(line string) (trimmed, key, value string, item, ok bool) {
	trimmed = strings.Trim(line, " \t\r")
	if trimmed == "" || strings.HasPrefix(trimmed, "#") {
		return "", "", "", false, false
	}
	if rest, isItem := strings.CutPrefix(trimmed, "- "); isItem {
		return trimmed, "", strings.Trim(rest, " \t"), true, true
	}
	key, value, _ = strings.Cut(trimmed, ":")
	return trimmed, key, strings.Trim(value, " \t"), false, true
}

// upstreamReadManifest is upstream's manifest reader. Kernel fields are recorded as
// "kernel.<key>".
func upstreamReadManifest(b []byte) upstreamView {
	v := newUpstreamView()
	list, inKernel := "", false
	for line := range strings.SplitSeq(string(b), "\n") {
		_, key, value, item, ok := upstreamLine(line)
		switch {
		case !ok:
			continue
		case item:
			if list != "" {
				v.lists[list] = append(v.lists[list], value)
			}
			continue
		}
		list = ""
		indented := line != "" && (line[0] == ' ' || line[0] == '\t')
		if !indented && key == "kernel" {
			inKernel, v.kernel = true, true
			continue
		} else if !indented {
			inKernel = false
		}
		switch {
		case inKernel:
			switch key {
			case "kmod", "freebsd_version_min", "freebsd_version_max", "require_exact_ident":
				v.fields["kernel."+key] = value
			case "kernel_idents", "kld_names":
				list = "kernel." + key
			}
		case slices.Contains([]string{"name", "version", "revision", "description", "license", "homepage", "maintainer"}, key):
			v.fields[key] = value
		case slices.Contains([]string{"tags", "provides", "conflicts", "replaces"}, key):
			list = key
		}
	}
	return v
}

// upstreamReadProvenance is upstream's provenance reader.
func upstreamReadProvenance(b []byte) upstreamView {
	v := newUpstreamView()
	inFlags := false
	for line := range strings.SplitSeq(string(b), "\n") {
		_, key, value, item, ok := upstreamLine(line)
		switch {
		case !ok:
			continue
		case item:
			if inFlags {
				v.lists["build_flags"] = append(v.lists["build_flags"], value)
			}
			continue
		}
		inFlags = false
		switch key {
		case "build_time", "builder", "build_user", "source_url", "source_hash", "compiler", "compiler_version":
			v.fields[key] = value
		case "build_flags":
			inFlags = true
		}
	}
	return v
}

// withoutKernel drops the kernel section from a view.
func (v upstreamView) withoutKernel() upstreamView {
	out := newUpstreamView()
	for k, x := range v.fields {
		if !strings.HasPrefix(k, "kernel.") {
			out.fields[k] = x
		}
	}
	for k, x := range v.lists {
		if !strings.HasPrefix(k, "kernel.") {
			out.lists[k] = x
		}
	}
	return out
}

func (v upstreamView) equal(o upstreamView) bool {
	return maps.Equal(v.fields, o.fields) && maps.EqualFunc(v.lists, o.lists, slices.Equal) && v.kernel == o.kernel
}

// TestUpstreamReadsWhatWasWritten: a manifest's unknown keys (Extra) cannot change what
// upstream's reader reads for the fields it interprets, whatever they are called and hold; only
// kernel: reaches upstream's kernel fields. The same for provenance's environment.
func TestUpstreamReadsWhatWasWritten(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for i := range 3000 {
		m := randManifest(r)
		for range r.IntN(3) {
			key := "kernel"
			if r.IntN(2) == 0 {
				key = upstreamKeys[r.IntN(len(upstreamKeys))] + randString(r)
			}
			if !slices.Contains(manifestKeyList, key) && !slices.ContainsFunc(m.Extra, func(f Field) bool { return f.Key == key }) {
				m.Extra = append(m.Extra, Field{Key: key, Value: normalize(randNode(r, 0))})
			}
		}
		plain := m
		plain.Extra = nil
		kernelOnly := plain
		kernelOnly.Extra = slices.DeleteFunc(slices.Clone(m.Extra), func(f Field) bool { return f.Key != "kernel" })
		got, want := upstreamReadManifest(m.Marshal()), upstreamReadManifest(plain.Marshal())
		if !got.withoutKernel().equal(want) {
			t.Fatalf("case %d: the unknown keys change what upstream reads:\n got %+v\nwant %+v\nwritten:\n%s", i, got, want, m.Marshal())
		}
		if k := upstreamReadManifest(kernelOnly.Marshal()); !got.equal(k) {
			t.Fatalf("case %d: keys other than kernel change upstream's kernel fields:\n got %+v\nwant %+v\nwritten:\n%s", i, got, k, m.Marshal())
		}

		p := Provenance{Builder: randString(r), SourceURL: randString(r), BuildFlags: randStrings(r)}
		p.Environment = map[string]string{}
		for range r.IntN(4) {
			key := randString(r)
			if r.IntN(2) == 0 {
				key = upstreamKeys[r.IntN(len(upstreamKeys))] + randString(r)
			}
			p.Environment[key] = randString(r)
		}
		bare := p
		bare.Environment = nil
		if got, want := upstreamReadProvenance(p.Marshal()), upstreamReadProvenance(bare.Marshal()); !got.equal(want) {
			t.Fatalf("case %d: the environment changes what upstream reads:\n got %+v\nwant %+v\nwritten:\n%s", i, got, want, p.Marshal())
		}
	}
}

// upstreamKeys are keys upstream's readers interpret, to make up hostile keys from.
var upstreamKeys = []string{
	"name", "version", "revision", "description", "license", "homepage", "maintainer", "tags",
	"provides", "conflicts", "replaces", "kernel", "kmod", "kld_names", "build_time", "builder",
	"build_user", "source_url", "source_hash", "compiler", "compiler_version", "build_flags",
}

// TestUpstreamReaderModel: the model reads upstream's own examples as upstream does.
func TestUpstreamReaderModel(t *testing.T) {
	m := upstreamReadManifest(readFile(t, "testdata/upstream/kmod-manifest.yaml"))
	want := upstreamView{
		fields: map[string]string{
			"name": "drm-kmod", "version": "6.1.128", "revision": "2", "description": "DRM drivers modules",
			"kernel.kmod": "true", "kernel.freebsd_version_min": "1400000", "kernel.freebsd_version_max": "1499999",
		},
		lists: map[string][]string{
			"provides": {"drm-driver"}, "conflicts": {"drm-legacy-kmod", "drm-510-kmod<=5.10.163"},
			"replaces": {"drm-fbsd13-kmod^5.4.0"}, "kernel.kld_names": {"amdgpu", "i915kms"},
		},
		kernel: true,
	}
	if !m.equal(want) {
		t.Errorf("kmod-manifest.yaml:\n got %+v\nwant %+v", m, want)
	}
	// Upstream's own quirk, which the model must reproduce for the tests above to mean anything:
	// a nested key overrides a top-level field.
	if v := upstreamReadManifest([]byte("name: a\nservices:\n  - name: s\n    description: evil\n")); v.fields["description"] != "evil" {
		t.Errorf("nested description: %+v", v)
	}
	p := upstreamReadProvenance(readFile(t, "testdata/upstream/provenance.yaml"))
	if p.fields["builder"] != "build-host-01.pgsdf.org" || len(p.lists["build_flags"]) != 3 || p.fields["compiler_version"] != "16.0.6" {
		t.Errorf("provenance.yaml: %+v", p)
	}
}
