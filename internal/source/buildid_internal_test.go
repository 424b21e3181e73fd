package source

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

// decodeCanonical reverses writeCanonical. That it can, for every input, is what makes the
// encoding unambiguous: two packages with one encoding are the same package.
func decodeCanonical(b []byte) (manifest, deps []byte, files []File, err error) {
	short := errors.New("short input")
	u64 := func() (uint64, error) {
		if len(b) < 8 {
			return 0, short
		}
		n := binary.BigEndian.Uint64(b)
		b = b[8:]
		return n, nil
	}
	str := func() ([]byte, error) {
		n, err := u64()
		if err != nil || uint64(len(b)) < n {
			return nil, short
		}
		s := b[:n]
		b = b[n:]
		return s, nil
	}
	tag, err := str()
	if err != nil || string(tag) != buildIDTag {
		return nil, nil, nil, errors.New("bad tag")
	}
	if manifest, err = str(); err != nil {
		return
	}
	if deps, err = str(); err != nil {
		return
	}
	n, err := u64()
	if err != nil {
		return
	}
	for range n {
		if len(b) < 5 {
			return nil, nil, nil, short
		}
		f := File{Type: FileType(b[0]), Mode: fromUnix(binary.BigEndian.Uint32(b[1:]))}
		b = b[5:]
		p, err := str()
		if err != nil {
			return nil, nil, nil, err
		}
		payload, err := str()
		if err != nil {
			return nil, nil, nil, err
		}
		f.Path = string(p)
		switch f.Type {
		case Regular:
			if len(payload) != 32 {
				return nil, nil, nil, errors.New("bad hash")
			}
			copy(f.SHA256[:], payload)
		case hardLinkType:
			if len(payload) == 0 {
				return nil, nil, nil, errors.New("hard link without a target")
			}
			f.Type, f.Link = Regular, string(payload)
		case Symlink:
			f.Target = string(payload)
		}
		files = append(files, f)
	}
	if len(b) != 0 {
		return nil, nil, nil, errors.New("trailing bytes")
	}
	return manifest, deps, files, nil
}

// fromUnix turns an encoded mode back into an fs.FileMode.
func fromUnix(u uint32) fs.FileMode {
	m := fs.FileMode(u & 0o777)
	if u&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if u&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	return m
}

// FuzzCanonicalEncoding builds a package listing from arbitrary bytes and checks that its
// canonical encoding decodes back to exactly that listing (sorted by path).
func FuzzCanonicalEncoding(f *testing.F) {
	f.Add([]byte("name: a\n"), []byte("dependencies: []\n"), []byte("\x01\x01\xedbin/sh\x00hi\x00\x02\x01\xedbin\x00\x00\x03\x01\xffl\x00target"))
	f.Add([]byte(""), []byte(""), []byte("\x00\x00\x00\x00\x00"))
	f.Add([]byte("x\x00y"), []byte("\x00"), []byte("\x01\x00\x00a\x00\x00\x00\x00\x01\x00\x00b"))
	f.Fuzz(func(t *testing.T, manifest, deps, listing []byte) {
		files := filesFrom(listing)
		var buf bytes.Buffer
		writeCanonical(&buf, manifest, deps, files)
		m, d, got, err := decodeCanonical(buf.Bytes())
		if err != nil {
			t.Fatalf("cannot decode the encoding: %v", err)
		}
		want := slices.Clone(files)
		slices.SortFunc(want, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
		for i := range want {
			want[i].Mode &= fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid // sticky is not encoded
			if want[i].Link != "" {
				want[i].SHA256 = [32]byte{} // a hard link's content is its target's
			}
		}
		if !bytes.Equal(m, manifest) || !bytes.Equal(d, deps) || !slices.Equal(got, want) {
			t.Fatalf("decoded %q %q %+v; want %q %q %+v", m, d, got, manifest, deps, want)
		}
	})
}

// filesFrom turns fuzz bytes into a listing: records of type (a fourth type making a hard
// link), 2-byte Unix mode (setuid, setgid and sticky bits included), then a path and a payload
// separated by NUL, with unique paths, as Scan would produce.
func filesFrom(b []byte) []File {
	var files []File
	seen := map[string]bool{}
	for len(b) >= 3 {
		u := uint32(binary.BigEndian.Uint16(b[1:]))
		f := File{Type: FileType(b[0]%3 + 1), Mode: fromUnix(u)}
		if u&0o1000 != 0 {
			f.Mode |= fs.ModeSticky
		}
		link := b[0]%4 == 3
		b = b[3:]
		p, rest, _ := bytes.Cut(b, []byte{0})
		payload, rest, _ := bytes.Cut(rest, []byte{0})
		b = rest
		f.Path = string(p)
		switch {
		case link:
			f.Type, f.Link = Regular, "to/"+string(payload)
		case f.Type == Regular:
			copy(f.SHA256[:], payload)
		case f.Type == Symlink:
			f.Target = string(payload)
		}
		if !seen[f.Path] {
			seen[f.Path] = true
			files = append(files, f)
		}
	}
	return files
}
