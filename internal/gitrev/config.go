package gitrev

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// config is what this package needs from a repository's config file.
type config struct {
	format     objectFormat
	refStorage string // extensions.refstorage; "" or "files" is the loose/packed layout
	fileMode   bool   // core.filemode: whether the executable bit is tracked
}

// readConfig reads path (the common directory's config). A missing file means git's defaults.
func readConfig(path string) (config, error) {
	cfg := config{format: sha1Format, fileMode: true}
	b, err := readSmall(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return cfg, err
	}
	err = scanConfig(string(b), func(section, key, value string, hasValue bool) error {
		switch section + "." + key {
		case "extensions.objectformat":
			switch strings.ToLower(value) {
			case "sha1":
				cfg.format = sha1Format
			case "sha256":
				cfg.format = sha256Format
			default:
				return fmt.Errorf("unknown extensions.objectformat %q", value)
			}
		case "extensions.refstorage":
			cfg.refStorage = strings.ToLower(value)
		case "core.filemode":
			cfg.fileMode = !hasValue || parseBool(value)
		}
		return nil
	})
	if err != nil {
		return cfg, errorf(path, err, "corrupt")
	}
	return cfg, nil
}

func parseBool(v string) bool {
	switch strings.ToLower(v) {
	case "true", "yes", "on", "1":
		return true
	}
	return false
}

// scanConfig reads git's config syntax far enough to find variables in plain sections:
// "[section]" and "[section "sub"]" headers (a subsection is reported as section "sub.x" so it
// never matches a plain name), "key = value" and bare "key" lines, comments (# and ;) and
// quoted values. Section and key are lower-cased, as git compares them.
func scanConfig(text string, fn func(section, key, value string, hasValue bool) error) error {
	section := ""
	lines := strings.Split(strings.ReplaceAll(text, "\\\n", ""), "\n")
	for n, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			end := strings.IndexByte(line, ']')
			if end < 0 {
				return fmt.Errorf("line %d: section header without ]", n+1)
			}
			name, sub, hasSub := strings.Cut(line[1:end], " ")
			section = strings.ToLower(name)
			if hasSub {
				section += " " + sub
			}
			line = strings.TrimSpace(line[end+1:])
			if line == "" || line[0] == '#' || line[0] == ';' {
				continue
			}
		}
		key, value, hasValue := strings.Cut(line, "=")
		key = strings.ToLower(strings.TrimSpace(key))
		if key == "" || !isConfigKey(key) {
			return fmt.Errorf("line %d: bad variable name %q", n+1, key)
		}
		if err := fn(section, key, configValue(value), hasValue); err != nil {
			return fmt.Errorf("line %d: %w", n+1, err)
		}
	}
	return nil
}

func isConfigKey(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' && i > 0 || c == '-' && i > 0) {
			return false
		}
	}
	return true
}

// configValue unquotes a value and drops a trailing comment outside quotes.
func configValue(v string) string {
	var b strings.Builder
	quoted := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"':
			quoted = !quoted
		case c == '\\' && i+1 < len(v):
			i++
			b.WriteByte(unescape(v[i]))
		case (c == '#' || c == ';') && !quoted:
			return strings.TrimSpace(b.String())
		default:
			b.WriteByte(c)
		}
	}
	return strings.TrimSpace(b.String())
}

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	}
	return c
}
