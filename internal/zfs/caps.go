package zfs

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
)

// Capabilities says what the running ZFS can do.
type Capabilities struct {
	Userland, Kernel string // as `zfs version` prints them, e.g. "zfs-2.3.2-1~bpo12+1"
	Major, Minor     int    // of the userland
	// JSON: `zfs list -j` and `zfs get -j` (OpenZFS 2.3); without it observation parses -H text.
	JSON bool
	// ChannelPrograms: `zfs program` (OpenZFS 0.8); without it GC destroys one dataset at a time.
	ChannelPrograms bool
	// ProgramSetProp: zfs.sync.set_prop in channel programs (OpenZFS 2.2), which sets user
	// properties only; without it Commit records a snapshot's guid with a `zfs set` of its own.
	ProgramSetProp bool
}

// String renders the versions as `zfs version` does.
func (c Capabilities) String() string {
	if c.Kernel == "" {
		return c.Userland
	}
	return c.Userland + " (kernel " + c.Kernel + ")"
}

var versionRE = regexp.MustCompile(`zfs-(?:kmod-)?(\d+)\.(\d+)`)

// parseVersion reads `zfs version` output.
func parseVersion(out string) (Capabilities, error) {
	var c Capabilities
	for _, line := range splitLines(out) {
		switch {
		case len(line) > 9 && line[:9] == "zfs-kmod-":
			c.Kernel = line
		case len(line) > 4 && line[:4] == "zfs-":
			c.Userland = line
		}
	}
	m := versionRE.FindStringSubmatch(c.Userland)
	if m == nil {
		return c, fmt.Errorf("cannot read the ZFS version from %q", out)
	}
	c.Major, _ = strconv.Atoi(m[1])
	c.Minor, _ = strconv.Atoi(m[2])
	c.JSON = c.Major > 2 || c.Major == 2 && c.Minor >= 3
	c.ChannelPrograms = c.Major >= 1 || c.Minor >= 8
	c.ProgramSetProp = c.Major > 2 || c.Major == 2 && c.Minor >= 2
	return c, nil
}

// Capabilities runs `zfs version` and remembers the answer once it has one. A failure (a
// cancelled context, a zfs that could not run) is returned and not remembered: the next call
// asks again. A ZFS too old to have `zfs version` (before 0.8) is reported with neither JSON nor
// channel programs.
func (c *CLI) Capabilities(ctx context.Context) (Capabilities, error) {
	c.capsMu.Lock()
	known := c.caps
	c.capsMu.Unlock()
	if known != nil {
		return *known, nil
	}
	// Probed without the lock: a caller whose context ends does not hold up the others, and two
	// concurrent first calls at worst both run `zfs version`.
	caps, err := c.probe(ctx)
	if err != nil {
		return Capabilities{}, err
	}
	c.setCaps(caps)
	return caps, nil
}

func (c *CLI) setCaps(caps Capabilities) {
	c.capsMu.Lock()
	defer c.capsMu.Unlock()
	c.caps = &caps
	c.json.CompareAndSwap(jsonUnknown, map[bool]int32{true: jsonYes, false: jsonNo}[caps.JSON])
}

func (c *CLI) probe(ctx context.Context) (Capabilities, error) {
	out, err := c.run(ctx, "version", "", false, "version")
	if err != nil {
		if isUnsupported(err) {
			return Capabilities{Userland: "zfs (before 0.8)"}, nil
		}
		return Capabilities{}, err
	}
	return parseVersion(string(out))
}

func isUnsupported(err error) bool {
	e, ok := err.(*Error)
	return ok && e.Err == ErrUnsupported
}
