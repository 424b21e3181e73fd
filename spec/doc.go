// Package spec turns a directory of HCL files into the validated desired state of a host: its
// store, package sources, profiles, environments and GC policy.
//
// It owns every configuration error a user sees. Load reads all *.hcl files of a directory as one
// configuration and either returns a complete *Config or nil and every problem it found, each as
// an hcl.Diagnostic whose Subject points at the offending file:line:column. Nothing downstream
// ever sees a partly valid configuration, and no rule is checked anywhere else. Warnings (a
// version constraint no version satisfies) do not make a configuration invalid.
//
// Values are taken as written: an argument of the wrong type is an error, never converted (the
// number 2.40 is 2.4, which is not the version 2.40). Names are checked on their own and for the
// dataset names built from them below the store (package layout), so that ZFS never refuses a
// name halfway through an apply. A file with syntax errors is still decoded as far as it can be
// trusted, so one typo hides neither the rest of that file's errors nor the checks of the others.
//
// Every decoded item keeps the hcl.Range it came from, so later stages (planning, applying) can
// point their own diagnostics at a config line; Config.SourceFiles gives the file contents that
// WriteDiagnostics needs to show them with a snippet.
//
// The result never depends on the order in which files are read: items are ordered by name,
// packages by their order in the profile, and "first" and "second" declarations by file name and
// offset.
//
// spec imports hcl/v2 and, from this module, only the leaf packages that hold shared rules:
// internal/axiomname (names), internal/version (constraints), internal/layout (the dataset names
// derived from them) and internal/zfs (dataset names). It must not import anything that performs
// I/O on a store.
package spec
