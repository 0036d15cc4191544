package workflows

import (
	"errors"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/schedule"
)

// GenerateRequest is `hwcov workflow generate`: the caller workflow (or,
// with Patch, the weekly patch workflow) and where to write it. The
// command binds its flags to these fields.
type GenerateRequest struct {
	CallerOptions
	Output, CommentOutput string
	HardwareList          []string // --hardware; "all" or platform keys
	ScheduleFile          string   // --schedule
	Pin                   bool
	PinSHA                []string
	Force                 bool
	// Patch writes the weekly patch workflow; Cron and MaxOpen are its.
	Patch   bool
	Cron    string
	MaxOpen int
	// Changed names the flags the user set (the patch workflow refuses
	// those of the caller workflow and keeps its own name and output).
	Changed func(flag string) bool
}

// File is one generated file and where it goes ("-" is stdout).
type File struct {
	Path string
	Data []byte
}

// CheckPlatforms checks platform keys against the catalog of platforms.
type CheckPlatforms func(keys []string) error

// Generate renders the files `hwcov workflow generate` writes, checking
// the request; errors are usage errors naming the flag.
func Generate(req GenerateRequest, platforms CheckPlatforms) ([]File, error) {
	if req.Changed == nil {
		req.Changed = func(string) bool { return false }
	}
	if req.Patch {
		return generatePatch(req, platforms)
	}
	hardware, err := req.check(platforms)
	if err != nil {
		return nil, err
	}
	o := req.CallerOptions
	o.Hardware = hardware
	if req.ScheduleFile != "" {
		if o.Schedule, err = ReadSchedule(req.ScheduleFile, platforms); err != nil {
			return nil, err
		}
		o.SchedulePath = filepath.ToSlash(req.ScheduleFile)
	}
	src, err := req.pinned(RenderCaller(o))
	if err != nil {
		return nil, err
	}
	files := []File{{req.Output, src}}
	if req.CommentOutput != "" {
		com, err := req.pinned(RenderCommentWith(CommentOptions{Name: o.Name, Action: o.Action, Runner: o.Runner, Binary: o.Binary}))
		if err != nil {
			return nil, err
		}
		files = append(files, File{req.CommentOutput, com})
	}
	return files, nil
}

// generatePatch is Generate with Patch: the weekly workflow that turns
// failure groups into verified patch pull requests.
func generatePatch(req GenerateRequest, platforms CheckPlatforms) ([]File, error) {
	if !req.Changed("output") {
		req.Output = ".github/workflows/hwcov-patch.yml"
	}
	for _, name := range []string{"style", "workflow", "priority", "models", "category", "shards", "max-shard-minutes",
		"budget-minutes", "run-args", "fail-on-error", "schedule", "comment-output"} {
		if req.Changed(name) {
			return nil, hwerr.Usagef("hwcov workflow generate --patch --hardware cpu,cuda", "--%s does not apply to --patch", name)
		}
	}
	hardware, err := req.check(platforms)
	if err != nil {
		return nil, err
	}
	if hardware == "all" {
		return nil, hwerr.Usagef("--hardware cpu,cuda", "--patch needs the platforms to verify on, not all")
	}
	name := ""
	if req.Changed("name") {
		name = req.Name
	}
	src, err := req.pinned(RenderPatch(PatchOptions{Name: name, Action: req.Action, Runner: req.Runner,
		Hardware: hardware, Cron: req.Cron, MaxOpen: req.MaxOpen, TimeoutMinutes: req.TimeoutMinutes,
		Binary: req.Binary, Command: req.Command}))
	if err != nil {
		return nil, err
	}
	return []File{{req.Output, src}}, nil
}

// check validates the request and returns the --hardware list as the
// workflow writes it.
func (req *GenerateRequest) check(platforms CheckPlatforms) (string, error) {
	if req.Output == "" {
		return "", hwerr.Usagef("--output .github/workflows/hwcov.yml", "--output is required")
	}
	n := 0
	for _, set := range []bool{req.Priority != "", req.Models != "", req.Category != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return "", hwerr.Usagef("use one of --priority, --models, --category", "more than one way of choosing architectures given")
	}
	if p := strings.ToLower(req.Priority); p != "" && p != "key" && p != "high" {
		return "", hwerr.Usagef("--priority high", "--priority %q is not key or high", req.Priority)
	}
	hardware := strings.Join(req.HardwareList, ",")
	if hardware != "all" {
		if err := platforms(req.HardwareList); err != nil {
			return "", err
		}
	}
	if req.TimeoutMinutes < 1 {
		return "", hwerr.Usagef("--timeout-minutes 360", "--timeout-minutes must be at least 1")
	}
	return hardware, nil
}

// pinned takes a rendered workflow: a render error becomes a usage error
// naming the flag, and the actions are pinned when Pin says so.
func (req *GenerateRequest) pinned(src []byte, err error) ([]byte, error) {
	var oe *OptionsError
	if errors.As(err, &oe) {
		return nil, hwerr.Usagef("hwcov workflow generate --help", "--%s: %s", oe.Field, oe.Msg)
	}
	if err != nil {
		return nil, err
	}
	pin, err := Pinner(req.Pin, req.PinSHA)
	if err != nil {
		return nil, err
	}
	return pin(src)
}

// ReadSchedule reads a schedule file and checks that every entry names
// known platforms.
func ReadSchedule(path string, platforms CheckPlatforms) (*schedule.Schedule, error) {
	s, err := schedule.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for _, e := range s.Entries {
		if !e.AllHardware {
			if err := platforms(e.Hardware); err != nil {
				return nil, hwerr.Usagef("fix "+e.Name+".hardware_platforms in "+path, "schedule: field %q: %v", e.Name+".hardware_platforms", err)
			}
		}
	}
	return s, nil
}

// DefaultSchedule is the guide's schedule with email as every entry's
// notification address (the default one when empty).
func DefaultSchedule(email string) ([]byte, error) {
	s := schedule.Default(email)
	if email != "" {
		if _, err := schedule.Parse(s.MustMarshal()); err != nil {
			return nil, hwerr.Usagef("--notification-email ml-alerts@example.com", "--notification-email %q is not an email address", email)
		}
	}
	return s.MustMarshal(), nil
}

// PinKeys are the actions of Pins, sorted.
func PinKeys() []string {
	keys := make([]string, 0, len(Pins))
	for k := range Pins {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
