package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hwcov/hwcov/internal/fsutil"
	"github.com/hwcov/hwcov/internal/schedule"
	"github.com/hwcov/hwcov/workflows"
)

// NewCmdWorkflow builds `hwcov workflow`.
func NewCmdWorkflow(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "workflow",
		Short: "Write GitHub Actions workflows and the test schedule for your repository",
	}
	cmd.AddCommand(NewCmdWorkflowGenerate(f), NewCmdWorkflowSchedule(f), NewCmdWorkflowShow(f), NewCmdWorkflowPins(f))
	return cmd
}

// WorkflowGenerateOptions are the options of `hwcov workflow generate`.
type WorkflowGenerateOptions struct {
	F               *Factory
	Output          string
	CommentOutput   string
	Style           string
	Name            string
	Action          string
	Workflow        string
	Runner          string
	Priority        string
	Models          string
	Category        string
	Hardware        []string
	Shards          int
	MaxShardMinutes float64
	BudgetMinutes   float64
	RunArgs         string
	Binary          string
	FailOnError     bool
	TimeoutMinutes  int
	Schedule        string
	Pages           bool
	Force           bool
	Pin             bool
	PinSHA          []string
	Patch           bool
	Cron            string
	MaxOpen         int
}

// NewCmdWorkflowGenerate builds `hwcov workflow generate`.
func NewCmdWorkflowGenerate(f *Factory) *cobra.Command {
	opts := &WorkflowGenerateOptions{F: f}
	cmd := &cobra.Command{
		Use:   "generate --output .github/workflows/hwcov.yml",
		Short: "Write a workflow that plans, runs the shards on your hardware runners and reports",
		Long: `Writes a workflow for your repository: on pull_request (and on the cron
triggers of --schedule), a plan job picks the tests, one test job per shard runs
on a runner whose labels match the shard's hardware, and a report job merges
the shards and writes the compatibility matrix into the job summary.
--style standalone (default) writes the three jobs, using the hwcov action;
--style reusable writes one job that calls hwcov's reusable workflow.
--comment-output also writes the workflow_run workflow that comments on pull
requests, forks included. --pin writes every action as a commit, keeping the
tag in a comment (actions/checkout@11bd719... # v4), from the table of known
actions hwcov ships (hwcov workflow pins) and --pin-sha for the others (the
hwcov action's own tag among them). Platforms are checked against the catalog of
platforms (built-in and .hwcov/hardware). The file is written atomically; an
existing different file is kept unless --force. (guide: --generate-ci-config)`,
		Example: `  hwcov workflow generate --output .github/workflows/hwcov.yml --hardware cpu,cuda
  hwcov workflow schedule --output schedule.json
  hwcov workflow generate --output .github/workflows/hwcov.yml --schedule schedule.json \
      --comment-output .github/workflows/hwcov-comment.yml
  hwcov workflow generate --style reusable --output - `,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runWorkflowGenerate(opts, c)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Output, "output", "o", ".github/workflows/hwcov.yml", "file to write, - for stdout")
	fl.StringVar(&opts.CommentOutput, "comment-output", "", "also write the pull request comment workflow (workflow_run) here")
	fl.StringVar(&opts.Style, "style", "standalone", "standalone (the jobs, using the action) or reusable (one job calling hwcov's reusable workflow)")
	fl.StringVar(&opts.Name, "name", workflows.DefaultName, "workflow name")
	fl.StringVar(&opts.Action, "action", workflows.DefaultAction, "the action the jobs use (./ inside the hwcov repository)")
	fl.StringVar(&opts.Workflow, "workflow", workflows.DefaultWorkflow, "the reusable workflow (--style reusable)")
	fl.StringVar(&opts.Runner, "runner", workflows.DefaultRunner, "runner label of the plan and report jobs")
	fl.StringVar(&opts.Priority, "priority", "", "key, or high (default: high when no --models/--category)")
	fl.StringVar(&opts.Models, "models", "", "architectures, comma-separated, instead of --priority")
	fl.StringVar(&opts.Category, "category", "", "a category, instead of --priority")
	fl.StringSliceVar(&opts.Hardware, "hardware", []string{"cpu"}, "platforms, comma-separated, or all")
	fl.IntVar(&opts.Shards, "shards", 0, "shards per platform")
	fl.Float64Var(&opts.MaxShardMinutes, "max-shard-minutes", 0, "as many shards as needed to keep each under this estimate")
	fl.Float64Var(&opts.BudgetMinutes, "budget-minutes", 0, "priority high: cap the picked tests' estimated machine time")
	fl.StringVar(&opts.RunArgs, "run-args", "", "extra arguments for hwcov run on the test runners")
	fl.StringVar(&opts.Binary, "binary", "", "a prebuilt hwcov on the runners (default: the action builds its source)")
	fl.BoolVar(&opts.FailOnError, "fail-on-error", false, "fail the report job when a test failed, crashed or timed out")
	fl.IntVar(&opts.TimeoutMinutes, "timeout-minutes", 360, "timeout of each test job")
	fl.StringVar(&opts.Schedule, "schedule", "", "schedule file (hwcov workflow schedule): cron triggers and what each runs")
	fl.BoolVar(&opts.Pages, "pages", false, "keep a history, write the dashboard in every report job (linked from the comment) and publish it to GitHub Pages on scheduled runs")
	fl.BoolVar(&opts.Force, "force", false, "overwrite an existing file that differs")
	fl.BoolVar(&opts.Pin, "pin", false, "pin every action to a commit (hwcov's table of known tags, and --pin-sha), keeping the tag in a comment")
	fl.StringArrayVar(&opts.PinSHA, "pin-sha", nil, "with --pin: the commit of an action the table lacks, owner/repo@ref=SHA (repeatable)")
	fl.BoolVar(&opts.Patch, "patch", false, "write the weekly patch workflow instead: results -> failures -> patch suggest, apply, verify -> patch pr (default --output .github/workflows/hwcov-patch.yml)")
	fl.StringVar(&opts.Cron, "cron", workflows.DefaultPatchCron, "with --patch: when it runs (cron, UTC)")
	fl.IntVar(&opts.MaxOpen, "max-open", 5, "with --patch: most hwcov patch pull requests open at once")
	return cmd
}

func runWorkflowGenerate(opts *WorkflowGenerateOptions, c *cobra.Command) error {
	f := opts.F
	if opts.Patch {
		return runWorkflowGeneratePatch(opts, c)
	}
	hardware, err := opts.check()
	if err != nil {
		return err
	}
	o := workflows.CallerOptions{
		Name: opts.Name, Style: workflows.Style(opts.Style), Action: opts.Action, Workflow: opts.Workflow, Runner: opts.Runner,
		Priority: opts.Priority, Models: opts.Models, Category: opts.Category, Hardware: hardware,
		Shards: opts.Shards, MaxShardMinutes: opts.MaxShardMinutes, BudgetMinutes: opts.BudgetMinutes,
		RunArgs: opts.RunArgs, Binary: opts.Binary, FailOnError: opts.FailOnError, TimeoutMinutes: opts.TimeoutMinutes,
		Pages: opts.Pages, Command: commandLine(c),
	}
	if o.Schedule, err = opts.schedule(); err != nil {
		return err
	}
	if o.Schedule != nil {
		o.SchedulePath = filepath.ToSlash(opts.Schedule)
	}
	src, err := opts.pinned(workflows.RenderCaller(o))
	if err != nil {
		return err
	}
	pin, err := workflows.Pinner(opts.Pin, opts.PinSHA)
	if err != nil {
		return err
	}
	var com []byte
	if opts.CommentOutput != "" {
		if com, err = workflows.RenderCommentWith(workflows.CommentOptions{Name: opts.Name, Action: opts.Action,
			Runner: opts.Runner, Binary: opts.Binary}); err != nil {
			return err
		}
		if com, err = pin(com); err != nil {
			return err
		}
	}
	if err := writeGenerated(f, opts.Output, src, opts.Force); err != nil {
		return err
	}
	if opts.CommentOutput != "" {
		if err := writeGenerated(f, opts.CommentOutput, com, opts.Force); err != nil {
			return err
		}
	}
	return nil
}

// schedule reads --schedule (nil without it) and checks its platforms.
func (opts *WorkflowGenerateOptions) schedule() (*schedule.Schedule, error) {
	if opts.Schedule == "" {
		return nil, nil
	}
	s, err := schedule.ReadFile(opts.Schedule)
	if err != nil {
		return nil, err
	}
	return s, checkScheduleHardware(opts.F, s, opts.Schedule)
}

// check validates the flags of `hwcov workflow generate` and returns the
// --hardware list as the workflow writes it.
func (opts *WorkflowGenerateOptions) check() (string, error) {
	f := opts.F
	if opts.Output == "" {
		return "", usagef("--output .github/workflows/hwcov.yml", "--output is required")
	}
	n := 0
	for _, set := range []bool{opts.Priority != "", opts.Models != "", opts.Category != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return "", usagef("use one of --priority, --models, --category", "more than one way of choosing architectures given")
	}
	if p := strings.ToLower(opts.Priority); p != "" && p != "key" && p != "high" {
		return "", usagef("--priority high", "--priority %q is not key or high", opts.Priority)
	}
	hardware := strings.Join(opts.Hardware, ",")
	if hardware != "all" {
		if _, err := f.Platforms(opts.Hardware); err != nil {
			return "", err
		}
	}
	if opts.TimeoutMinutes < 1 {
		return "", usagef("--timeout-minutes 360", "--timeout-minutes must be at least 1")
	}
	return hardware, nil
}

// pinned takes a rendered workflow: a render error becomes a usage error
// naming the flag, and the actions are pinned when --pin says so.
func (opts *WorkflowGenerateOptions) pinned(src []byte, err error) ([]byte, error) {
	var oe *workflows.OptionsError
	if errors.As(err, &oe) {
		return nil, usagef("hwcov workflow generate --help", "--%s: %s", oe.Field, oe.Msg)
	}
	if err != nil {
		return nil, err
	}
	pin, err := workflows.Pinner(opts.Pin, opts.PinSHA)
	if err != nil {
		return nil, err
	}
	return pin(src)
}

// commandLine is the command as a user would type it, for the header.
func commandLine(c *cobra.Command) string {
	parts := []string{c.CommandPath()}
	c.Flags().Visit(func(fl *pflag.Flag) {
		v := fl.Value.String()
		if fl.Value.Type() == "stringSlice" {
			v = strings.Trim(v, "[]")
		}
		if fl.Value.Type() == "bool" {
			parts = append(parts, "--"+fl.Name)
			return
		}
		if v == "" || strings.ContainsAny(v, " \t'\"$`\\") {
			v = strconv.Quote(v)
		}
		parts = append(parts, "--"+fl.Name, v)
	})
	return strings.Join(parts, " ")
}

// writeGenerated writes a generated file atomically ("-" is stdout); an
// existing file with other content is kept unless force.
func writeGenerated(f *Factory, path string, data []byte, force bool) error {
	if path == "-" {
		_, err := f.Out.Write(data)
		return err
	}
	written, err := fsutil.WriteGenerated(path, data, force)
	switch {
	case errors.Is(err, fsutil.ErrDiffers):
		return usagef("pass --force to overwrite it, or choose another --output", "%s exists and differs", path)
	case err != nil:
		return err
	case !written:
		fmt.Fprintf(f.Out, "%s is up to date\n", path)
		return nil
	}
	fmt.Fprintf(f.Out, "wrote %s\n", path)
	return nil
}

// WorkflowScheduleOptions are the options of `hwcov workflow schedule`.
type WorkflowScheduleOptions struct {
	F      *Factory
	Output string
	Email  string
	Check  string
	Force  bool
}

// NewCmdWorkflowSchedule builds `hwcov workflow schedule`.
func NewCmdWorkflowSchedule(f *Factory) *cobra.Command {
	opts := &WorkflowScheduleOptions{F: f}
	cmd := &cobra.Command{
		Use:   "schedule --output schedule.json",
		Short: "Write the daily / weekly / monthly test schedule, or check one",
		Long: `Writes the guide's schedule: high-priority models on cpu and cuda daily at
01:00, every model on cpu, cuda, rocm and openvino on Saturdays at 02:00, every
model on every platform on the 1st at 03:00. Times are UTC (GitHub runs cron in
UTC). Edit it, then 'hwcov workflow generate --schedule schedule.json' turns each
entry into a cron trigger, and 'hwcov run --schedule schedule.json' runs the
entry that is due. --check FILE validates a schedule and prints its cron
expressions. (guide: --generate-schedule-config)

run_time: "HH:MM" (daily), "Weekday HH:MM" (weekly), "1st HH:MM" (monthly).
model_subset: all, high_priority, key, category:C, models:a,b, top:N, file:PATH.
hardware_platforms: a list of platform keys, or "all".`,
		Example: "  hwcov workflow schedule --output schedule.json\n  hwcov workflow schedule --check schedule.json",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return runWorkflowSchedule(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "schedule.json", "file to write, - for stdout")
	cmd.Flags().StringVar(&opts.Email, "notification-email", "", "notification_email of every entry (default ml-alerts@example.com)")
	cmd.Flags().StringVar(&opts.Check, "check", "", "validate this schedule file instead of writing one")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "overwrite an existing file that differs")
	return cmd
}

func runWorkflowSchedule(opts *WorkflowScheduleOptions) error {
	f := opts.F
	if opts.Check != "" {
		s, err := schedule.ReadFile(opts.Check)
		if err != nil {
			return err
		}
		if err := checkScheduleHardware(f, s, opts.Check); err != nil {
			return err
		}
		for _, e := range s.Entries {
			fmt.Fprintf(f.Out, "%-16s cron %-12q %s: hwcov run %s\n", e.Name, e.When.Cron(), e.When, strings.Join(e.Flags(), " "))
		}
		return nil
	}
	s := schedule.Default(opts.Email)
	if opts.Email != "" {
		if _, err := schedule.Parse(s.MustMarshal()); err != nil {
			return usagef("--notification-email ml-alerts@example.com", "--notification-email %q is not an email address", opts.Email)
		}
	}
	return writeGenerated(f, opts.Output, s.MustMarshal(), opts.Force)
}

// checkScheduleHardware checks that every entry of the schedule file path
// names known platforms.
func checkScheduleHardware(f *Factory, s *schedule.Schedule, path string) error {
	for _, e := range s.Entries {
		if !e.AllHardware {
			if _, err := f.Platforms(e.Hardware); err != nil {
				return usagef("fix "+e.Name+".hardware_platforms in "+path, "schedule: field %q: %v", e.Name+".hardware_platforms", err)
			}
		}
	}
	return nil
}

// WorkflowShowOptions are the options of `hwcov workflow show`.
type WorkflowShowOptions struct {
	F    *Factory
	Name string
}

// NewCmdWorkflowShow builds `hwcov workflow show`.
func NewCmdWorkflowShow(f *Factory) *cobra.Command {
	opts := &WorkflowShowOptions{F: f}
	return &cobra.Command{
		Use:       "show hwcov.yml|hwcov-comment.yml",
		Short:     "Print the reusable workflow or the pull request comment workflow",
		Example:   "  hwcov workflow show hwcov-comment.yml > .github/workflows/hwcov-comment.yml",
		Args:      cobra.ExactArgs(1),
		ValidArgs: workflows.Names,
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Name = args[0]
			b, err := workflows.Embedded(opts.Name)
			if err != nil {
				return usagef("hwcov workflow show hwcov.yml", "%v", err)
			}
			_, err = opts.F.Out.Write(b)
			return err
		},
	}
}

// NewCmdWorkflowPins builds `hwcov workflow pins`.
func NewCmdWorkflowPins(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "pins",
		Short: "Print the actions `workflow generate --pin` knows the commits of",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			keys := make([]string, 0, len(workflows.Pins))
			for k := range workflows.Pins {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				p := workflows.Pins[k]
				fmt.Fprintf(f.Out, "%-30s %s # %s\n", k, p.SHA, p.Release)
			}
			return nil
		},
	}
}
