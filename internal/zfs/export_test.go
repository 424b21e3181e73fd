package zfs

import "context"

// LegacyForTest makes c behave as on OpenZFS before 2.3 and without channel programs (parse -H
// text, destroy one dataset at a time), so those paths are exercised against real OpenZFS too.
func LegacyForTest(c *CLI) {
	c.capsOnce.Do(func() {})
	c.caps, c.capsErr = c.probe(context.Background())
	c.caps.JSON = false
	c.caps.ChannelPrograms = false
	c.json.Store(jsonNo)
}
