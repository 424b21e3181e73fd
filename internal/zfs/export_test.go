package zfs

import "context"

// LegacyForTest makes c behave as on OpenZFS before 2.3 and without channel programs (parse -H
// text, destroy one dataset at a time), so those paths are exercised against real OpenZFS too.
func LegacyForTest(c *CLI) error {
	caps, err := c.probe(context.Background())
	if err != nil {
		return err
	}
	caps.JSON = false
	caps.ChannelPrograms = false
	c.json.Store(jsonNo)
	c.setCaps(caps)
	return nil
}
