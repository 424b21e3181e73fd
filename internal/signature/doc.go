// Package signature reads, writes and verifies Axiom package signatures (manifest.sig), so
// that a fleet importing packages from a shared source imports only what a trusted key signed,
// unchanged. It speaks upstream Axiom's format byte for byte where upstream defines it
// (pgsdf/axiom src/signature.zig, read to learn the format, not copied) and defines the rest;
// it knows nothing of directories, archives, ZFS or configuration: the caller hands it the
// bytes of manifest.sig and the package's file hashes, which the source scan already computes.
//
// # manifest.sig
//
// manifest.sig sits at the top of the package directory (beside manifest.yaml and root/, or
// at the top of an archive after its single top-level folder is stripped). Upstream writes it
// line by line; [Manifest.Marshal] writes the same bytes:
//
//	# Axiom Package Signature
//	version: 1
//	algorithm: ed25519
//	key_id: D75A980182B10AB7
//	signer: "Release Team <release@example.org>"     (optional; omitted when empty)
//	timestamp: 1735689600                             (Unix seconds)
//	signature: 5a1f…                                  (128 lower-case hex digits: 64 bytes)
//	files:
//	  - path: "manifest.yaml"
//	    sha256: 9f86…                                 (64 lower-case hex digits)
//	  - path: "root/usr/bin/hello"
//	    sha256: 2c26…
//
// Paths are relative to the package's top, slash-separated and clean ("root/usr/bin/hello",
// never "./root/…" or "/…"). One entry per regular file anywhere in the package except
// manifest.sig itself: manifest.yaml, deps.yaml, provenance.yaml, everything under root/ and any
// other file (a README). Symbolic links and directories are not listed: upstream's signer skips
// them, so the format cannot cover them.
//
// The signed bytes are, for each entry in the order manifest.sig lists them, the 32 raw bytes
// of the SHA-256 followed by the path's bytes, with no separator, length or terminator (see
// [Message]). The signature is pure Ed25519 (RFC 8032, not Ed25519ph) over those bytes with
// the 64-byte private key; Ed25519 is deterministic, so a key and a file list give one
// signature. version, algorithm, key_id, signer and timestamp are not signed: key_id only
// selects the key, and signer and timestamp are claims to display, never to trust.
//
// # Keys
//
// A key id is the first 8 bytes of the 32-byte public key in upper-case hexadecimal (16
// digits; [KeyID]). A public key file (upstream's "axiom key-generate" NAME.pub) is:
//
//	# Axiom Public Key
//	key_id: D75A980182B10AB7
//	key_data: d75a98…                    (64 hex digits: the 32-byte public key)
//	owner: "Release Team"                (optional)
//	email: "release@example.org"         (optional)
//	created: 1735689600                  (Unix seconds)
//	expires: 1798761600                  (optional, Unix seconds)
//
// and a secret key file (NAME.key, mode 0600) holds key_id and secret_key, the 64-byte Ed25519
// private key (32-byte seed then 32-byte public key, as Go's ed25519.PrivateKey) in 128 hex
// digits. Configuration may also give a public key inline: 64 hex digits or standard base64 of
// the 32 bytes ([ParsePublicKey]).
//
// # What this package defines where upstream does not
//
// Upstream's parsers read line by line and skip what they do not understand; this package
// reads the same files as strict YAML (yaml.v3: one mapping, no unknown or repeated keys, no
// anchors, aliases or tags) and refuses, rather than skips:
//
//   - a missing or unknown version or algorithm (upstream never checks the algorithm);
//   - a signature that is not 128 hex digits (upstream leaves it uninitialised) and a hash
//     that is not 64 (upstream silently drops the entry, leaving the file unchecked);
//   - a path listed twice, an unclean or absolute path, a path naming manifest.sig, and a path
//     or signer with a double quote, backslash, control character or invalid UTF-8: upstream
//     writes them between double quotes without escaping, so they would not read back the
//     same, and, because the signed message has no separators, limiting paths to printable
//     text also keeps a reader from re-cutting one signed message into a different file list
//     (for instance merging two entries into one path that contains the second entry's raw
//     hash bytes);
//   - a key file whose key_id is not derived from its key (upstream trusts the stated id; its
//     own bundled "official" key id is not derived from its key data);
//   - manifest.sig over [MaxManifestSize] (upstream: 1 MiB) and key files over
//     [MaxKeyFileSize].
//
// Key ids are compared case-insensitively. Files may be listed in any order (upstream lists them
// in directory-iteration order); [Sign] lists them in byte order of path so output is
// reproducible. Verification checks the signature before the hashes (upstream checks hashes
// first, so a tampered list reports a hash mismatch there and a bad signature here), and it
// also refuses files of the package that the signature does not list, which upstream ignores.
// Two trusted keys with one id are both tried. A key past its expires time does not verify.
//
// # Policy
//
// [Policy] is the per-source setting: [Require] (the default once keys are configured),
// [Warn] or [Off]. Under Warn a package whose files contradict a signature that verified is
// still refused, as upstream refuses a hash mismatch even in its warn mode.
package signature
