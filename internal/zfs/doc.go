// Package zfs is the only code in axiom-reconcile that runs zfs or zpool or reads their text.
//
// Why a layer of our own: the reconciler must observe a whole Axiom tree in a constant number of
// processes (thousands of per-dataset `zfs get` calls are the scaling failure every ZFS tool has
// had), must trust only locally set ownership properties, must pass a context to every process so
// a cancelled pass stops, and must turn stderr into conditions callers can test with errors.Is.
// github.com/mistifyio/go-zfs/v3 does none of those: it has no context, no holds, no user
// property listing, and it re-lists the dataset after every mutation (one more process each time).
// It is used where it does do the job and none of that matters: the throwaway pools of tests
// (zfstest.CreateFilePool; see pool.go).
//
// Names are validated before any process starts (name.go). Every process goes through one seam
// (exec.go) that logs it once and counts it, so tests can prove how many processes an operation
// costs.
package zfs
