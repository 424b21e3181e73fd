package signature

import (
	"errors"
	"fmt"
)

// Policy says what a signature failure does to a package.
type Policy uint8

const (
	// PolicyDefault is an unset policy: [Require] once keys are configured, [Off] otherwise
	// (see [Policy.Effective]).
	PolicyDefault Policy = iota
	// Require refuses every package that does not verify.
	Require
	// Warn imports a package that is unsigned, malformed, signed by an untrusted or expired key
	// or badly signed, with a warning; but a package whose files contradict a signature that
	// verified (a content error) is refused, as upstream always refuses a hash mismatch.
	Warn
	// Off does not check signatures.
	Off
)

// ParsePolicy parses a policy as written in configuration: "require", "warn" or "off"; the
// empty string is [PolicyDefault].
func ParsePolicy(s string) (Policy, error) {
	switch s {
	case "":
		return PolicyDefault, nil
	case "require":
		return Require, nil
	case "warn":
		return Warn, nil
	case "off":
		return Off, nil
	}
	return PolicyDefault, fmt.Errorf("signature policy %q: want \"require\", \"warn\" or \"off\"", s)
}

func (p Policy) String() string {
	switch p {
	case PolicyDefault:
		return "default"
	case Require:
		return "require"
	case Warn:
		return "warn"
	case Off:
		return "off"
	}
	return fmt.Sprintf("Policy(%d)", uint8(p))
}

// Effective resolves [PolicyDefault]: Require when keys are configured, Off when none are.
// Other policies are returned unchanged (so Require with no keys refuses every package).
func (p Policy) Effective(haveKeys bool) Policy {
	if p != PolicyDefault {
		return p
	}
	if haveKeys {
		return Require
	}
	return Off
}

// Outcome is what a policy makes of a verification result.
type Outcome uint8

const (
	// Accept: import the package.
	Accept Outcome = iota
	// AcceptWithWarning: import it, and report the error as a warning.
	AcceptWithWarning
	// Refuse: leave the package out, with the error as the reason.
	Refuse
)

func (o Outcome) String() string {
	switch o {
	case Accept:
		return "accept"
	case AcceptWithWarning:
		return "accept with warning"
	case Refuse:
		return "refuse"
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// Judge returns what policy p does with err, the error [TrustStore.Verify] returned (nil when
// the package verified). p should be resolved by [Policy.Effective] first; PolicyDefault judges
// as Require. An error that is not one of this package's is refused under every policy but
// Off.
func (p Policy) Judge(err error) Outcome {
	var se *Error
	switch {
	case err == nil || p == Off:
		return Accept
	case p == Warn && errors.As(err, &se) && !IsContentError(err):
		return AcceptWithWarning
	}
	return Refuse
}
