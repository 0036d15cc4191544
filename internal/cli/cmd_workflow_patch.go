package cli

import (
	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/workflows"
)

// runWorkflowGeneratePatch is `hwcov workflow generate --patch`: the weekly
// workflow that turns failure groups into verified patch pull requests.
func runWorkflowGeneratePatch(opts *WorkflowGenerateOptions, c *cobra.Command) error {
	if !c.Flags().Changed("output") {
		opts.Output = ".github/workflows/hwcov-patch.yml"
	}
	for _, name := range []string{"style", "workflow", "priority", "models", "category", "shards", "max-shard-minutes",
		"budget-minutes", "run-args", "fail-on-error", "schedule", "comment-output"} {
		if c.Flags().Changed(name) {
			return usagef("hwcov workflow generate --patch --hardware cpu,cuda", "--%s does not apply to --patch", name)
		}
	}
	hardware, err := opts.check()
	if err != nil {
		return err
	}
	if hardware == "all" {
		return usagef("--hardware cpu,cuda", "--patch needs the platforms to verify on, not all")
	}
	name := ""
	if c.Flags().Changed("name") {
		name = opts.Name
	}
	src, err := opts.pinned(workflows.RenderPatch(workflows.PatchOptions{Name: name, Action: opts.Action, Runner: opts.Runner,
		Hardware: hardware, Cron: opts.Cron, MaxOpen: opts.MaxOpen, TimeoutMinutes: opts.TimeoutMinutes,
		Binary: opts.Binary, Command: commandLine(c)}))
	if err != nil {
		return err
	}
	return writeGenerated(opts.F, opts.Output, src, opts.Force)
}
