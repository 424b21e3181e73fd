package zfs

import "context"

// LegacyForTest makes c behave as on OpenZFS before 2.3 and without channel programs (parse -H
// text, destroy one dataset at a time, commit without a program), so those paths are exercised
// against real OpenZFS too.
func LegacyForTest(c *CLI) error {
	caps, err := c.probe(context.Background())
	if err != nil {
		return err
	}
	caps.JSON = false
	caps.ChannelPrograms = false
	caps.ProgramSetProp = false
	c.json.Store(jsonNo)
	c.setCaps(caps)
	return nil
}

// DestroyStaleForTest runs DestroyUnused's channel program on names as decided from tree, an
// observation the caller made earlier: what changed since must be caught by the program itself.
func DestroyStaleForTest(ctx context.Context, c *CLI, tree *Tree, pool string, names []string, guard Guard) (DestroyReport, error) {
	rep := DestroyReport{Skipped: map[string]string{}}
	err := c.destroyProgram(ctx, tree, pool, names, guard, map[string]bool{}, &rep)
	return rep, err
}

// UnsignedLuaForTest is the unsigned() helper of the commit program, for a test that runs it.
var UnsignedLuaForTest = unsignedLua
