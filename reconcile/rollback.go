package reconcile

import (
	"context"
	"fmt"
	"strconv"

	"github.com/axiom-reconcile/axiom-reconcile/internal/failpoint"
	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// Rollback switches an environment's `current` to generation `to` (0: the newest complete
// generation older than the current one) and pins it there.
//
// The rule, so that a rollback is neither silently undone nor silently permanent: the pin
// records what the environment was built from when the rollback happened. While the
// configuration still resolves to that, plans leave the environment where it was rolled back to
// and say so in a note. As soon as the configuration resolves to something else (a fixed profile,
// a new package), the next apply realizes and activates it and drops the pin. Rolling back to
// the generation the configuration wants drops the pin at once.
func (e *Engine) Rollback(ctx context.Context, cfg *spec.Config, env string, to int) (from, dest int, err error) {
	obs, err := e.observe(ctx, cfg)
	if err != nil {
		return 0, 0, err
	}
	s := interpret(obs)
	es := s.envs[env]
	if es == nil {
		return 0, 0, fmt.Errorf("environment %q does not exist in %s", env, s.layout.Envs())
	}
	if !es.managed {
		return 0, 0, fmt.Errorf("%s is %w", es.ds.Name, errUnmanagedInTheWay)
	}
	if es.current == 0 {
		return 0, 0, fmt.Errorf("environment %q has no current generation to roll back from", env)
	}
	from = es.current
	cur := es.gen(from)
	if to == 0 {
		for _, g := range es.gens {
			if g.k < from && g.complete && g.managed {
				to = g.k
			}
		}
		if to == 0 {
			return from, 0, fmt.Errorf("environment %q has no generation older than gen-%d to roll back to", env, from)
		}
	}
	target := es.gen(to)
	if target == nil || !target.complete || !target.managed {
		return from, 0, fmt.Errorf("environment %q has no complete generation %d; it has %s", env, to, genList(es))
	}
	envDS := s.layout.Env(env)
	if to == from {
		return from, to, nil
	}
	// What the configuration wanted: recorded by an earlier rollback, else what was current. A
	// rollback to a generation built from that is no rollback at all and drops the pin.
	wanted := es.pinnedFor
	if es.pinned == 0 && cur != nil {
		wanted = cur.realizeDigest
	}
	if wanted != "" && wanted != target.realizeDigest {
		if err := e.ZFS.SetProps(ctx, envDS, zfs.Props{layout.PropPinned: strconv.Itoa(to), layout.PropPinnedFor: wanted}); err != nil {
			return from, to, err
		}
	} else if es.pinned != 0 {
		for _, p := range []string{layout.PropPinned, layout.PropPinnedFor} {
			if err := e.ZFS.InheritProp(ctx, envDS, p); err != nil {
				return from, to, err
			}
		}
	}
	failpoint.Hit(failpoint.RollbackPinned)
	if err := SwitchLink(s.layout.Path(envDS), layout.CurrentLink, layout.GenerationName(to)); err != nil {
		return from, to, err
	}
	return from, to, nil
}

func genList(es *envState) string {
	s := ""
	for i, g := range es.gens {
		if i > 0 {
			s += ", "
		}
		s += g.name()
	}
	if s == "" {
		return "none"
	}
	return s
}
