package fingerprint

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hwcov/hwcov/internal/errpattern"
	"github.com/hwcov/hwcov/internal/outcome"
	"github.com/hwcov/hwcov/internal/results"
)

// Stored is a fingerprint kept in the database for one result.
type Stored struct {
	ResultID    int64
	ID          string
	RuleVersion string
	Signature   string
	Rules       []string
}

// Keys are the dimensions a report may group by. "outcome" is whose fault a
// failure is (internal/outcome): platform, harness, declared_unsupported.
var Keys = []string{"fingerprint", "hardware", "template", "category", "outcome"}

// DefaultKeys group by fingerprint x platform x template chain.
var DefaultKeys = []string{"fingerprint", "hardware", "template"}

// ParseKeys checks a --group-by list; an empty list is DefaultKeys.
func ParseKeys(keys []string) ([]string, error) {
	if len(keys) == 0 {
		return DefaultKeys, nil
	}
	var out []string
	for _, k := range keys {
		k = strings.TrimSpace(strings.ToLower(k))
		if k == "platform" {
			k = "hardware"
		}
		if !slices.Contains(Keys, k) {
			return nil, fmt.Errorf("--group-by %q is not one of %s", k, strings.Join(Keys, ", "))
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out, nil
}

// Group is the failures sharing the values of the grouping keys.
type Group struct {
	Key           map[string]string // grouping key -> value
	Fingerprint   string            // when grouped by fingerprint
	RuleVersion   string
	Signature     string
	Rules         []string
	ErrorCategory string // the errpattern category of the example
	Solution      string // errpattern's fix for that category
	Count         int
	Platforms     []string
	Architectures []string
	Templates     []string
	// Outcomes are whose fault the group's results are (outcome.Class),
	// sorted: platform, harness, declared_unsupported, infrastructure.
	Outcomes []string
	FirstRun string // run of the earliest result
	Example  Example
}

// Example is one result of a group.
type Example struct {
	TestID  string
	Message string
}

// Report is the failures grouped, and infrastructure errors apart.
type Report struct {
	RuleVersion string   // the current rules
	Keys        []string // what the groups are keyed by
	Failures    int      // results in Groups
	Groups      []Group
	Infra       int // results in InfraGroups
	InfraGroups []Group
	Excluded    int // passes and skips
}

// Failed reports whether a result is a failure to group: fail, crash,
// timeout, not_buildable. Passes and skips are no failures; infra_error is
// the runner's fault and reported apart.
func Failed(s results.Status) bool {
	switch s {
	case results.StatusFail, results.StatusCrash, results.StatusTimeout, results.StatusNotBuildable:
		return true
	}
	return false
}

// InputOf returns the fingerprint input of a result.
func InputOf(r results.Result) Input {
	return Input{Architecture: r.Architecture, ModelName: r.ModelName, Message: messageOf(r), Traceback: r.Traceback}
}

// messageOf is the message to fingerprint: the error message, else the
// status (a timeout often has none).
func messageOf(r results.Result) string {
	if strings.TrimSpace(r.ErrorMessage) != "" {
		return r.ErrorMessage
	}
	return string(r.Status)
}

// Assign returns the fingerprint of every failed or infra_error result: the
// stored one when there is one, else one computed with the current rules,
// which is also returned in fresh for the caller to store.
func Assign(rs []results.Result, stored map[int64]Stored) (all map[int64]Stored, fresh []Stored) {
	all = map[int64]Stored{}
	for _, r := range rs {
		if !Failed(r.Status) && !r.Status.Infra() {
			continue
		}
		if s, ok := stored[r.ID]; ok {
			all[r.ID] = s
			continue
		}
		fp := Compute(InputOf(r))
		s := Stored{ResultID: r.ID, ID: fp.ID, RuleVersion: fp.RuleVersion, Signature: fp.Signature, Rules: fp.Rules}
		all[r.ID] = s
		fresh = append(fresh, s)
	}
	return all, fresh
}

// Build groups rs by keys using the fingerprints in fps (from Assign), with
// no pairs declared unsupported.
func Build(rs []results.Result, fps map[int64]Stored, keys []string) Report {
	return BuildWith(rs, fps, keys, nil)
}

// BuildWith is Build with the pairs declared unsupported, for the outcome
// classes: a failure's class is read against rs's cpu reference results.
func BuildWith(rs []results.Result, fps map[int64]Stored, keys []string, decl outcome.Declarations) Report {
	cl := outcome.NewClassifier(rs, decl)
	rep := Report{RuleVersion: RuleVersion, Keys: keys}
	fails := map[string]*Group{}
	infra := map[string]*Group{}
	var failOrder, infraOrder []string
	first := map[*Group]results.Result{}
	for _, r := range rs {
		m, order := fails, &failOrder
		switch {
		case r.Status.Infra():
			m, order = infra, &infraOrder
			rep.Infra++
		case Failed(r.Status):
			rep.Failures++
		default:
			rep.Excluded++
			continue
		}
		fp := fps[r.ID]
		class := string(cl.Classify(r).Class)
		key := map[string]string{}
		var parts []string
		for _, k := range keys {
			v := ""
			switch k {
			case "fingerprint":
				v = fp.ID
			case "hardware":
				v = r.Hardware
			case "template":
				v = r.TemplateChain
			case "category":
				v = r.Category
			case "outcome":
				v = class
			}
			key[k] = v
			parts = append(parts, v)
		}
		id := strings.Join(parts, "\x00")
		g, ok := m[id]
		if !ok {
			g = &Group{Key: key}
			if slices.Contains(keys, "fingerprint") {
				g.Fingerprint, g.RuleVersion, g.Signature, g.Rules = fp.ID, fp.RuleVersion, fp.Signature, fp.Rules
			}
			cat := r.ErrorCategory
			if cat == "" && r.Status.Infra() {
				cat = results.ErrorCategoryInfra
			}
			if cat == "" {
				cat = errpattern.Categorize(r.Status, r.ErrorMessage, r.Traceback)
			}
			g.ErrorCategory = cat
			g.Solution = errpattern.Solution(cat)
			if g.Solution == "" && r.Status.Infra() {
				g.Solution = "Set up the runner as the message's \"Try:\" says"
			}
			m[id] = g
			*order = append(*order, id)
		}
		g.Count++
		g.Platforms = addSorted(g.Platforms, r.Hardware)
		g.Architectures = addSorted(g.Architectures, r.Architecture)
		g.Templates = addSorted(g.Templates, r.TemplateChain)
		g.Outcomes = addSorted(g.Outcomes, class)
		if f, ok := first[g]; !ok || earlier(r, f) {
			first[g] = r
			g.FirstRun = r.RunID
			g.Example = Example{TestID: r.TestID, Message: firstLine(messageOf(r))}
		}
	}
	rep.Groups = sorted(fails, failOrder)
	rep.InfraGroups = sorted(infra, infraOrder)
	return rep
}

// earlier orders results by start time, then test id, so the example and
// first-seen run do not depend on the order rs came in.
func earlier(a, b results.Result) bool {
	if !a.StartedAt.Equal(b.StartedAt) {
		return a.StartedAt.Before(b.StartedAt)
	}
	return a.TestID < b.TestID
}

func addSorted(xs []string, x string) []string {
	if x == "" {
		return xs
	}
	i, ok := slices.BinarySearch(xs, x)
	if ok {
		return xs
	}
	return slices.Insert(xs, i, x)
}

// sorted lists groups biggest first, then by key.
func sorted(m map[string]*Group, order []string) []Group {
	sort.Strings(order)
	out := make([]Group, 0, len(order))
	for _, id := range order {
		out = append(out, *m[id])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}
