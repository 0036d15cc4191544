package compare

import (
	"fmt"
	"slices"
	"strings"
)

// Policy says which findings fail a job (hwcov's exit code 1).
type Policy struct {
	NewFailures bool `json:"new_failures"` // a test that passed in the base fails
	Regressions bool `json:"regressions"`  // a confirmed latency or memory regression
	Flaky       bool `json:"flaky"`        // a test passed only on a rerun
	NotRun      bool `json:"not_run"`      // a test of the base did not run (lost shard)
	Failures    bool `json:"failures"`     // any failing test, old or new
}

// PolicyNames are the names ParsePolicy accepts, comma-separated.
var PolicyNames = []string{"new-failures", "regressions", "flaky", "not-run", "failures", "none"}

// DefaultPolicy fails on new failures only.
func DefaultPolicy() Policy { return Policy{NewFailures: true} }

// ParsePolicy reads a comma-separated list of PolicyNames: "new-failures,regressions".
// "none" (alone) never fails; an empty string is DefaultPolicy.
func ParsePolicy(s string) (Policy, error) {
	if strings.TrimSpace(s) == "" {
		return DefaultPolicy(), nil
	}
	var p Policy
	for _, name := range strings.Split(s, ",") {
		switch name = strings.TrimSpace(name); name {
		case "new-failures":
			p.NewFailures = true
		case "regressions":
			p.Regressions = true
		case "flaky":
			p.Flaky = true
		case "not-run":
			p.NotRun = true
		case "failures":
			p.Failures = true
		case "none":
			if s != "none" {
				return Policy{}, fmt.Errorf("fail-on %q: none cannot be combined with other values", s)
			}
		default:
			return Policy{}, fmt.Errorf("fail-on %q: unknown value %q, want a comma-separated list of %s",
				s, name, strings.Join(PolicyNames, ", "))
		}
	}
	return p, nil
}

// String renders p as ParsePolicy reads it.
func (p Policy) String() string {
	var names []string
	for _, x := range []struct {
		on   bool
		name string
	}{{p.NewFailures, "new-failures"}, {p.Regressions, "regressions"}, {p.Flaky, "flaky"}, {p.NotRun, "not-run"}, {p.Failures, "failures"}} {
		if x.on {
			names = append(names, x.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}

// Violations lists what in r fails the policy, such as "2 new failures";
// none means the job passes.
func (p Policy) Violations(r Report) []string {
	var out []string
	add := func(on bool, n int, one, many string) {
		if on && n > 0 {
			out = append(out, plural(n, one, many))
		}
	}
	add(p.NewFailures, len(r.NewFailures), "new failure", "new failures")
	add(p.Regressions, len(r.Regressions), "regression", "regressions")
	add(p.Flaky, len(r.Flaky), "flaky test", "flaky tests")
	add(p.NotRun, len(r.NotRun), "test not run", "tests not run")
	add(p.Failures, r.Head.Failing, "failing test", "failing tests")
	return slices.Clip(out)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
