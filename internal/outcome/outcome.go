package outcome

import (
	"cmp"
	"slices"

	"github.com/hwcov/hwcov/internal/errpattern"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/testid"
)

// Class says whose fault a result is.
type Class string

// The classes. Every stored result has exactly one; a pair without a result
// (not run, incompatible) has None unless it is declared unsupported.
const (
	// Pass: the test ran and passed.
	Pass Class = "pass"
	// Platform: the platform cannot do it: an unsupported operator, an export
	// or compilation failure in its converter, outputs beyond its declared
	// tolerance, a crash or timeout of its runtime. The cpu reference passed
	// (or there is none to ask).
	Platform Class = "platform"
	// Harness: hwcov's own harness failed: any failure on the reference
	// platform (transformers runs every model on cpu with torch), any
	// failure of a test whose cpu reference failed, and input, config, build
	// and import errors anywhere.
	Harness Class = "harness"
	// Infrastructure: the runner was not set up (status infra_error).
	Infrastructure Class = "infrastructure"
	// Declared: a known limitation, declared with a reason and a link
	// (Declarations).
	Declared Class = "declared_unsupported"
	// Skip: the harness decided not to run the test and said why.
	Skip Class = "skip"
	// None: no result to class (not run, incompatible).
	None Class = ""
)

// Classes lists the classes in the order reports explain them.
var Classes = []Class{Pass, Platform, Harness, Infrastructure, Declared, Skip}

// Reference is the reference platform: transformers itself runs every model
// there, and the other platforms are validated against it.
const Reference = "cpu"

// harnessCategories are the error categories (internal/errpattern) that are
// hwcov's own making on whichever platform they happen: the inputs it built,
// the tiny config it wrote, a model it could not build, a Python package
// the model needs.
var harnessCategories = []string{"input_error", "config_error", "not_buildable", "import_error"}

// Input is what Of decides from.
type Input struct {
	Status   results.Status
	Hardware string
	// ErrorCategory is the errpattern category of the failure.
	ErrorCategory string
	// ReferenceFailed says the same test failed on the reference platform.
	ReferenceFailed bool
	// Declared says the pair is declared unsupported.
	Declared bool
}

// Of classes one result. In order: a pass is Pass; not run and incompatible
// are None; infra_error is Infrastructure; skip is Skip; a declared pair is
// Declared; a failure on the reference platform, a failure whose reference
// failed, and an input, config, build or import error are Harness; the rest
// is Platform.
func Of(in Input) Class {
	switch in.Status {
	case results.StatusPass:
		return Pass
	case results.StatusNotRun, results.StatusIncompatible:
		return None
	case results.StatusInfraError:
		return Infrastructure
	case results.StatusSkip:
		return Skip
	}
	switch {
	case in.Declared:
		return Declared
	case in.Hardware == Reference, in.ReferenceFailed,
		in.Status == results.StatusNotBuildable, slices.Contains(harnessCategories, in.ErrorCategory):
		return Harness
	}
	return Platform
}

// Failing reports whether c is a failure someone has to act on: the
// platform's or the harness's.
func (c Class) Failing() bool { return c == Platform || c == Harness }

// Verdict is the class of one result, with the declaration behind a
// Declared class.
type Verdict struct {
	Class Class
	// Reason and Link are the declaration's, for Declared.
	Reason, Link string
}

// Classifier classes the results of one set (a run, a merged database, the
// head of a comparison): it knows which tests failed on the reference
// platform and which pairs are declared unsupported.
type Classifier struct {
	decl Declarations
	// ref says whether the reference failed each (architecture, batch,
	// seq); archFailed whether it failed every test of an architecture.
	ref        map[refKey]bool
	archFailed map[string]bool
}

type refKey struct {
	arch       string
	batch, seq int
}

// NewClassifier reads the reference results among rs (the newest per test,
// as the matrix shows them; for several attempts of a test the highest
// attempt counts) and keeps decl for Declared.
func NewClassifier(rs []results.Result, decl Declarations) *Classifier {
	c := &Classifier{decl: decl, ref: map[refKey]bool{}, archFailed: map[string]bool{}}
	attempt := map[refKey]int{}
	archPass := map[string]bool{}
	archFail := map[string]bool{}
	for _, r := range rs {
		if r = filled(r); r.Hardware != Reference {
			continue
		}
		failed := failed(r.Status)
		if !failed && !r.Status.Passed() {
			continue // skipped, not run, infra: says nothing about the harness
		}
		k := refKey{r.Architecture, r.BatchSize, r.SeqLen}
		if a, seen := attempt[k]; !seen || r.Attempt >= a {
			attempt[k], c.ref[k] = r.Attempt, failed
		}
		if failed {
			archFail[r.Architecture] = true
		} else {
			archPass[r.Architecture] = true
		}
	}
	for a := range archFail {
		if !archPass[a] {
			c.archFailed[a] = true
		}
	}
	return c
}

// failed reports whether s is a failure that ran into the harness or the
// platform: fail, crash, timeout, not buildable.
func failed(s results.Status) bool {
	switch s {
	case results.StatusFail, results.StatusCrash, results.StatusTimeout, results.StatusNotBuildable:
		return true
	}
	return false
}

// ReferenceFailed reports whether the reference platform failed the test
// of r: the reference result with the same architecture, batch size and
// sequence length, else (when there is none) every reference result of the
// architecture.
func (c *Classifier) ReferenceFailed(r results.Result) bool {
	r = filled(r)
	if f, ok := c.ref[refKey{r.Architecture, r.BatchSize, r.SeqLen}]; ok {
		return f
	}
	return c.archFailed[r.Architecture]
}

// Classify classes r.
func (c *Classifier) Classify(r results.Result) Verdict {
	r = filled(r)
	d, declared := c.decl.Find(r.Architecture, r.Category, r.Hardware)
	cat := r.ErrorCategory
	if cat == "" {
		cat = errpattern.Categorize(r.Status, r.ErrorMessage, r.Traceback)
	}
	v := Verdict{Class: Of(Input{Status: r.Status, Hardware: r.Hardware, ErrorCategory: cat,
		ReferenceFailed: r.Hardware != Reference && c.ReferenceFailed(r), Declared: declared})}
	if v.Class == Declared {
		v.Reason, v.Link = d.Reason, d.Link
	}
	return v
}

// Declaration returns the declaration of a pair that has no result, if any.
func (c *Classifier) Declaration(arch, category, hw string) (Declaration, bool) {
	return c.decl.Find(arch, category, hw)
}

// filled fills r's architecture, platform, batch size and sequence length
// from its test id when the result does not carry them.
func filled(r results.Result) results.Result {
	if r.Architecture != "" && r.Hardware != "" {
		return r
	}
	id, err := testid.Parse(r.TestID)
	if err != nil {
		return r
	}
	r.Architecture, r.Hardware = cmp.Or(r.Architecture, id.Model), cmp.Or(r.Hardware, id.Hardware)
	r.BatchSize, r.SeqLen = cmp.Or(r.BatchSize, id.Batch), cmp.Or(r.SeqLen, id.Seq)
	return r
}
