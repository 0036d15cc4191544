package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hwcov/hwcov/internal/fsutil"
	"github.com/hwcov/hwcov/workflows"
)

// NewCmdWorkflow builds `hwcov workflow`.
func NewCmdWorkflow(f *Factory) *cobra.Command {
	return group("workflow", "Write GitHub Actions workflows and the test schedule for your repository",
		NewCmdWorkflowGenerate(f), NewCmdWorkflowSchedule(f), NewCmdWorkflowShow(f), NewCmdWorkflowPins(f))
}

// WorkflowGenerateOptions are the options of `hwcov workflow generate`.
type WorkflowGenerateOptions struct {
	F   *Factory
	Req workflows.GenerateRequest
}

// NewCmdWorkflowGenerate builds `hwcov workflow generate`.
func NewCmdWorkflowGenerate(f *Factory) *cobra.Command {
	opts := &WorkflowGenerateOptions{F: f}
	cmd := &cobra.Command{
		Use:   "generate --output .github/workflows/hwcov.yml",
		Short: "Write a workflow that plans, runs the shards on your hardware runners and reports",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runWorkflowGenerate(opts, c) },
	}
	fl, r := cmd.Flags(), &opts.Req
	fl.StringVarP(&r.Output, "output", "o", ".github/workflows/hwcov.yml", "file to write, - for stdout")
	fl.StringVar(&r.CommentOutput, "comment-output", "", "also write the pull request comment workflow (workflow_run) here")
	fl.StringVar((*string)(&r.Style), "style", "standalone", "standalone (the jobs, using the action) or reusable (one job calling hwcov's reusable workflow)")
	fl.StringVar(&r.Name, "name", workflows.DefaultName, "workflow name")
	fl.StringVar(&r.Action, "action", workflows.DefaultAction, "the action the jobs use (./ inside the hwcov repository)")
	fl.StringVar(&r.Workflow, "workflow", workflows.DefaultWorkflow, "the reusable workflow (--style reusable)")
	fl.StringVar(&r.Runner, "runner", workflows.DefaultRunner, "runner label of the plan and report jobs")
	fl.StringVar(&r.Priority, "priority", "", "key, or high (default: high when no --models/--category)")
	fl.StringVar(&r.Models, "models", "", "architectures, comma-separated, instead of --priority")
	fl.StringVar(&r.Category, "category", "", "a category, instead of --priority")
	fl.StringSliceVar(&r.HardwareList, "hardware", []string{"cpu"}, "platforms, comma-separated, or all")
	fl.IntVar(&r.Shards, "shards", 0, "shards per platform")
	fl.Float64Var(&r.MaxShardMinutes, "max-shard-minutes", 0, "as many shards as needed to keep each under this estimate")
	fl.Float64Var(&r.BudgetMinutes, "budget-minutes", 0, "priority high: cap the picked tests' estimated machine time")
	fl.StringVar(&r.RunArgs, "run-args", "", "extra arguments for hwcov run on the test runners")
	fl.StringVar(&r.Binary, "binary", "", "a prebuilt hwcov on the runners (default: the action builds its source)")
	fl.BoolVar(&r.FailOnError, "fail-on-error", false, "fail the report job when a test failed, crashed or timed out")
	fl.IntVar(&r.TimeoutMinutes, "timeout-minutes", 360, "timeout of each test job")
	fl.StringVar(&r.ScheduleFile, "schedule", "", "schedule file (hwcov workflow schedule): cron triggers and what each runs")
	fl.BoolVar(&r.Pages, "pages", false, "keep a history, write the dashboard in every report job (linked from the comment) and publish it to GitHub Pages on scheduled runs")
	fl.BoolVar(&r.Force, "force", false, "overwrite an existing file that differs")
	fl.BoolVar(&r.Pin, "pin", false, "pin every action to a commit (hwcov's table of known tags, and --pin-sha), keeping the tag in a comment")
	fl.StringArrayVar(&r.PinSHA, "pin-sha", nil, "with --pin: the commit of an action the table lacks, owner/repo@ref=SHA (repeatable)")
	fl.BoolVar(&r.Patch, "patch", false, "write the weekly patch workflow instead: results -> failures -> patch suggest, apply, verify -> patch pr (default --output .github/workflows/hwcov-patch.yml)")
	fl.StringVar(&r.Cron, "cron", workflows.DefaultPatchCron, "with --patch: when it runs (cron, UTC)")
	fl.IntVar(&r.MaxOpen, "max-open", 5, "with --patch: most hwcov patch pull requests open at once")
	return cmd
}

func runWorkflowGenerate(opts *WorkflowGenerateOptions, c *cobra.Command) error {
	opts.Req.Command, opts.Req.Changed = commandLine(c), c.Flags().Changed
	files, err := workflows.Generate(opts.Req, opts.F.checkPlatforms)
	if err != nil {
		return err
	}
	for _, file := range files {
		if err := writeGenerated(opts.F, file.Path, file.Data, opts.Req.Force); err != nil {
			return err
		}
	}
	return nil
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
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return runWorkflowSchedule(opts) },
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
		s, err := workflows.ReadSchedule(opts.Check, f.checkPlatforms)
		if err != nil {
			return err
		}
		for _, e := range s.Entries {
			fmt.Fprintf(f.Out, "%-16s cron %-12q %s: hwcov run %s\n", e.Name, e.When.Cron(), e.When, strings.Join(e.Flags(), " "))
		}
		return nil
	}
	data, err := workflows.DefaultSchedule(opts.Email)
	if err != nil {
		return err
	}
	return writeGenerated(f, opts.Output, data, opts.Force)
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
			for _, k := range workflows.PinKeys() {
				p := workflows.Pins[k]
				fmt.Fprintf(f.Out, "%-30s %s # %s\n", k, p.SHA, p.Release)
			}
			return nil
		},
	}
}
