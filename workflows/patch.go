package workflows

import (
	"fmt"
	"regexp"
	"strings"
)

// PatchOptions configure the weekly patch workflow. Empty fields take the
// defaults.
type PatchOptions struct {
	Name           string // default "hwcov patch"
	Action         string // default DefaultAction
	Runner         string // label of the suggest and pr jobs, default DefaultRunner
	Hardware       string // platforms verified on, comma-separated runner labels, default "cpu"
	Cron           string // default DefaultPatchCron
	MaxOpen        int    // default 5
	TimeoutMinutes int    // of each verify job, default 360
	Binary         string // a prebuilt hwcov on the runners
	Command        string // the command line that wrote it, for the header
	// ResultsWorkflow is the workflow file whose runs upload the results
	// (the hwcov-report artifact), default "hwcov.yml".
	ResultsWorkflow string
}

// DefaultPatchCron, the weekly run, is Monday 05:23 UTC (off the hour, as GitHub advises).
const DefaultPatchCron = "23 5 * * 1"

var (
	cronRe   = regexp.MustCompile(`^[0-9*/,-]+( [0-9*/,-]+){4}$`)
	labelsRe = regexp.MustCompile(`^[a-z0-9_-]+(,[a-z0-9_-]+)*$`)
)

// RenderPatch renders the weekly patch workflow (`hwcov workflow generate
// --patch`): fetch the latest results, report failures, patch suggest,
// apply, verify on each platform's runners, patch pr.
func RenderPatch(o PatchOptions) ([]byte, error) {
	o.Name = or(o.Name, "hwcov patch")
	o.Action = or(o.Action, DefaultAction)
	o.Runner = or(o.Runner, DefaultRunner)
	o.Hardware = or(o.Hardware, "cpu")
	o.Cron = or(o.Cron, DefaultPatchCron)
	o.ResultsWorkflow = or(o.ResultsWorkflow, "hwcov.yml")
	if o.MaxOpen == 0 {
		o.MaxOpen = 5
	}
	if o.TimeoutMinutes == 0 {
		o.TimeoutMinutes = 360
	}
	if o.Command == "" {
		o.Command = "hwcov workflow generate --patch"
	}
	if err := checkName(o.Name); err != nil {
		return nil, err
	}
	switch {
	case !cronRe.MatchString(o.Cron):
		return nil, &OptionsError{"cron", fmt.Sprintf("%q: want five cron fields such as %q", o.Cron, DefaultPatchCron)}
	case !labelsRe.MatchString(o.Hardware):
		return nil, &OptionsError{"hardware", fmt.Sprintf("%q: want runner labels, comma-separated", o.Hardware)}
	case o.MaxOpen < 1:
		return nil, &OptionsError{"max-open", "want at least 1"}
	}
	for field, v := range map[string]string{"action": o.Action, "runner": o.Runner, "binary": o.Binary, "results-workflow": o.ResultsWorkflow} {
		if strings.ContainsAny(v, " \t\n\"'#{}$") {
			return nil, &OptionsError{field, fmt.Sprintf("%q is not a valid reference", v)}
		}
	}
	binary := ""
	if o.Binary != "" {
		binary = "\n          binary: " + yamlString(o.Binary)
	}
	return renderPatch(struct {
		PatchOptions
		BinaryWith, HardwareExpr string
	}{o, binary, exprString(o.Hardware)})
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func renderPatch(d any) ([]byte, error) {
	var b strings.Builder
	if err := tmpl.ExecuteTemplate(&b, "patch.yml.tmpl", d); err != nil {
		return nil, fmt.Errorf("render patch.yml.tmpl: %w", err)
	}
	return []byte(b.String()), nil
}
