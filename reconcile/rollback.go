package reconcile

import (
	"context"
	"fmt"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// Rollback switches an environment's `current` to generation `to` (0: the newest complete
// generation older than the current one) and pins it there. Like a pass, it observes, decides
// (rollbackPlan, from the observed state only) and applies the plan it made.
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
	plan, from, dest, err := rollbackPlan(interpret(obs), env, to)
	if err != nil || plan.Empty() {
		return from, dest, err
	}
	plan.CreatedAt, plan.ConfigDir = e.now().UTC(), cfg.Dir
	_, err = e.apply(ctx, plan, obs)
	return from, dest, err
}

// rollbackPlan decides a rollback of environment env to generation to (0: the newest complete
// one older than the current one): the plan (empty when `current` is there already), and the
// generations it switches from and to.
func rollbackPlan(s *state, env string, to int) (*Plan, int, int, error) {
	es := s.envs[env]
	switch {
	case es == nil:
		return nil, 0, 0, fmt.Errorf("environment %q does not exist in %s", env, s.layout.Envs())
	case !es.managed:
		return nil, 0, 0, fmt.Errorf("%s is %w", es.ds.Name, errUnmanagedInTheWay)
	case es.current == 0:
		return nil, 0, 0, fmt.Errorf("environment %q has no current generation to roll back from", env)
	}
	from := es.current
	if to == 0 {
		for _, g := range es.gens {
			if g.k < from && g.complete && g.managed {
				to = g.k
			}
		}
		if to == 0 {
			return nil, from, 0, fmt.Errorf("environment %q has no generation older than %s to roll back to", env, layout.GenerationName(from))
		}
	}
	target := es.gen(to)
	if target == nil || !target.complete || !target.managed {
		return nil, from, 0, fmt.Errorf("environment %q has no complete generation %d; it has %s", env, to, genList(es))
	}
	plan := &Plan{Format: PlanFormat, Store: string(s.layout.Root)}
	if to == from {
		return plan, from, to, nil
	}
	// What the configuration wanted: recorded by an earlier rollback, else what was current. A
	// rollback to a generation built from that is no rollback at all and drops the pin.
	wanted := es.pinnedFor
	if cur := es.gen(from); es.pinned == 0 && cur != nil {
		wanted = cur.realizeDigest
	}
	op := &RollbackStep{Env: env, Generation: to}
	if wanted != "" && wanted != target.realizeDigest {
		op.PinFor = wanted
	} else {
		op.Unpin = es.pinned != 0
	}
	plan.Steps = []Step{{Action: Change, Group: "Environment " + env, Target: string(s.layout.Env(env)),
		Summary: fmt.Sprintf("roll back from %s to %s", layout.GenerationName(from), layout.GenerationName(to)), Op: op}}
	return plan, from, to, nil
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
