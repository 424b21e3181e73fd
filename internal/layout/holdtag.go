package layout

import (
	"fmt"
	"strings"
)

// holdTagPrefix begins every hold tag a generation places (HoldTag); a tag without it is someone
// else's and is never released.
const holdTagPrefix = "axiom-env:"

// HoldTag is the user hold a generation places on every package it uses.
func HoldTag(env string, k int) Tag { return Tag(fmt.Sprintf("%s%s:%d", holdTagPrefix, env, k)) }

// ParseHoldTag reads a tag HoldTag wrote: axiom-env:<env>:<K>, K a generation number as
// ParseGenerationNumber reads it. It is the one place the format is read, beside the one place
// it is written.
func ParseHoldTag(tag Tag) (env string, k int, ok bool) {
	rest, ok := strings.CutPrefix(string(tag), holdTagPrefix)
	if !ok {
		return "", 0, false
	}
	i := strings.LastIndexByte(rest, ':')
	if i <= 0 {
		return "", 0, false
	}
	k, ok = ParseGenerationNumber(rest[i+1:])
	if !ok {
		return "", 0, false
	}
	return rest[:i], k, true
}

// profileTagPrefix begins the hold tag of a profile's lock (ProfileHoldTag).
const profileTagPrefix = "axiom-profile:"

// ProfileHoldTag is the user hold a profile places on every package its lock names, so a
// package only a lock names (no generation uses it yet, or any more) is held by the kernel too:
// upstream's `axiom gc` or a hand-run `zfs destroy` cannot take it between passes.
func ProfileHoldTag(profile string) Tag { return Tag(profileTagPrefix + profile) }

// ParseProfileHoldTag reads a tag ProfileHoldTag wrote.
func ParseProfileHoldTag(tag Tag) (profile string, ok bool) {
	p, ok := strings.CutPrefix(string(tag), profileTagPrefix)
	if !ok || p == "" {
		return "", false
	}
	return p, true
}
