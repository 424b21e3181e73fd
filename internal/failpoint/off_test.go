//go:build !failpoints

package failpoint

import "testing"

// A production build never dies at a failpoint, whatever the environment says.
func TestHitIsInertWithoutTheTag(t *testing.T) {
	t.Setenv(Env, DatasetCreated)
	Hit(DatasetCreated) // would kill the test binary if it were armed
	if Enabled {
		t.Fatal("a build without the failpoints tag reports failpoints enabled")
	}
}
