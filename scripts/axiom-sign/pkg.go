package main

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
	"github.com/axiom-reconcile/axiom-reconcile/internal/atomicfile"
	"github.com/axiom-reconcile/axiom-reconcile/internal/signature"
)

// packageFiles reads the package directory dir as a source scan does and returns its regular
// files with their hashes (manifest.sig excluded) and the number of symbolic links, which the
// format cannot sign.
func packageFiles(ctx context.Context, dir string) ([]signature.File, int, error) {
	var files []signature.File
	links := 0
	err := archive.WalkDir(ctx, dir, archive.Limits{}, func(e archive.Entry, r io.Reader) error {
		switch {
		case e.Type == archive.Symlink:
			links++
		case e.Type != archive.Regular || e.Path == signature.FileName:
		default:
			h := sha256.New()
			if _, err := io.Copy(h, r); err != nil {
				return err
			}
			f := signature.File{Path: e.Path}
			h.Sum(f.SHA256[:0])
			files = append(files, f)
		}
		return nil
	})
	return files, links, err
}

// signDirs signs each of o.dirs with the key in o.key.
func signDirs(ctx context.Context, o options, now time.Time, stdout io.Writer) error {
	priv, err := loadPrivateKey(o.key)
	if err != nil {
		return err
	}
	opts := signature.SignOptions{Signer: o.signer, Timestamp: o.timestamp}
	if o.timestamp == -1 {
		opts.Timestamp = now.Unix()
	}
	for _, dir := range o.dirs {
		files, links, err := packageFiles(ctx, dir)
		if err != nil {
			return err
		}
		sig, err := signature.Sign(priv, files, opts)
		if err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, signature.FileName), sig, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: signed %d files with key %s%s\n", dir, len(files), signature.KeyID(priv.Public().(ed25519.PublicKey)), linkNote(links))
	}
	return nil
}

// verifyDirs verifies each of o.dirs against the public key in o.verify, reporting each; it
// returns whether any failed.
func verifyDirs(ctx context.Context, o options, now time.Time, stdout io.Writer) (bool, error) {
	pub, err := loadPublicKey(o.verify)
	if err != nil {
		return false, err
	}
	ts := signature.NewTrustStore(pub)
	failed := false
	for _, dir := range o.dirs {
		files, links, err := packageFiles(ctx, dir)
		if err != nil {
			return failed, err
		}
		sig, err := readSig(filepath.Join(dir, signature.FileName))
		if err != nil {
			return failed, err
		}
		v, err := ts.Verify(sig, files, now)
		if err != nil {
			failed = true
			fmt.Fprintf(stdout, "%s: FAILED: %v\n", dir, err)
			continue
		}
		fmt.Fprintf(stdout, "%s: OK: %d files signed by key %s%s\n", dir, v.Files, v.Key.ID, linkNote(links))
	}
	return failed, nil
}

// readSig reads manifest.sig, nil if there is none (io.ReadAll never returns nil for an empty
// file); a file larger than the format allows is read only far enough for the parser to refuse
// it.
func readSig(path string) ([]byte, error) {
	data, err := readBounded(path, signature.MaxManifestSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

func linkNote(links int) string {
	if links == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d symbolic link(s) not covered: the format signs regular files only)", links)
}
