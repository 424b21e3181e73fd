package zfstest

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/atomicfile"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// A model saved to a file outlives the process that changed it: the command-line scripts run
// one axiom-reconcile process per command, each loading the model the previous one saved, so a
// whole lifecycle (plan, apply, status, rollback, gc) runs without ZFS.

type savedModel struct {
	Txg      uint64                `json:"txg"`
	Datasets map[string]savedEntry `json:"datasets"`
}

type savedEntry struct {
	Type      zfs.Type          `json:"type"`
	GUID      uint64            `json:"guid"`
	Txg       uint64            `json:"txg"`
	Creation  time.Time         `json:"creation"`
	Origin    string            `json:"origin,omitempty"`
	Props     map[string]string `json:"props,omitempty"`
	Holds     []string          `json:"holds,omitempty"`
	Unmounted bool              `json:"unmounted,omitempty"`
}

// Save writes the model's datasets to path atomically (not Clock, MirrorUnder or Calls).
func (m *Model) Save(path string) error {
	m.mu.Lock()
	s := savedModel{Txg: m.txg, Datasets: map[string]savedEntry{}}
	for n, d := range m.ds {
		e := savedEntry{Type: d.typ, GUID: d.guid, Txg: d.txg, Creation: d.creation, Origin: d.origin, Props: d.props, Unmounted: d.unmounted}
		for h := range d.holds {
			e.Holds = append(e.Holds, h)
		}
		s.Datasets[n] = e
	}
	b, err := json.Marshal(s)
	m.mu.Unlock()
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, 0o644)
}

// LoadModel reads a model written by Save.
func LoadModel(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s savedModel
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s is not a saved model: %w", path, err)
	}
	m := &Model{ds: map[string]*mds{}, kids: map[string]map[string]bool{}, clones: map[string]bool{}, txg: s.Txg}
	for n, e := range s.Datasets {
		d := &mds{typ: e.Type, guid: e.GUID, txg: e.Txg, creation: e.Creation, origin: e.Origin, props: e.Props, unmounted: e.Unmounted}
		if d.props == nil {
			d.props = map[string]string{}
		}
		if d.typ == zfs.Snapshot {
			d.holds = map[string]bool{}
			for _, h := range e.Holds {
				d.holds[h] = true
			}
		}
		m.put(n, d)
	}
	return m, nil
}
