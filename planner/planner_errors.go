package planner

import (
	"errors"
	"fmt"
	"strings"
)

// OptionsError is a mistake in what the caller asked for (an impossible batch
// size, two sharding modes at once, ...). Field names the option; Hint says
// what would work. The CLI prints it as a usage error.
type OptionsError struct {
	Field string // e.g. "batch sizes", "shards"
	Msg   string
	Hint  string
}

func (e *OptionsError) Error() string { return "plan: " + e.Field + ": " + e.Msg }

func optionsErr(field, hint, format string, args ...any) error {
	return &OptionsError{Field: field, Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// LabelError names a platform whose runner labels cannot go into a GitHub
// matrix: no labels at all, or a label that is empty or holds a space or a
// comma.
type LabelError struct {
	Platform string
	Labels   []string
}

func (e *LabelError) Error() string {
	if len(e.Labels) == 0 {
		return fmt.Sprintf("platform %q has no runner labels", e.Platform)
	}
	return fmt.Sprintf("platform %q: runner labels %q: each must be one non-empty word without spaces or commas", e.Platform, e.Labels)
}

// checkLabels returns a *LabelError when labels cannot be runs-on labels.
func checkLabels(platform string, labels []string) error {
	if len(labels) == 0 {
		return &LabelError{Platform: platform}
	}
	for _, l := range labels {
		if strings.TrimSpace(l) == "" || strings.ContainsAny(l, " ,\t\r\n") {
			return &LabelError{Platform: platform, Labels: labels}
		}
	}
	return nil
}

// PlanFileError is a plan document that cannot be used: wrong version, invalid
// JSON, an unknown field, an inconsistent shard.
type PlanFileError struct {
	Msg string
}

func (e *PlanFileError) Error() string { return "plan file: " + e.Msg }

func planErr(format string, args ...any) error {
	return &PlanFileError{Msg: fmt.Sprintf(format, args...)}
}

// UnknownShardError is returned by [Plan.Shard] for an id the plan lacks.
type UnknownShardError struct {
	ID    string
	Known []string // the plan's shard ids, in plan order
}

func (e *UnknownShardError) Error() string {
	msg := fmt.Sprintf("shard %q is not in the plan", e.ID)
	switch n := len(e.Known); {
	case n == 0:
		msg += "; the plan has no shards"
	case n <= 8:
		msg += "; shards: " + strings.Join(e.Known, ", ")
	default:
		msg += fmt.Sprintf("; shards: %s, ... (%d in all)", strings.Join(e.Known[:8], ", "), n)
	}
	return msg
}

// ErrNoJobs is returned by [Plan.GitHubMatrix] when the plan has no shards:
// GitHub rejects a matrix with an empty include list, so the caller should
// skip the test job instead (for example with a has-tests output).
var ErrNoJobs = errors.New("plan has no shards: nothing to run")
