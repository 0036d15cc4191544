package cli

import (
	"context"
	"errors"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/hwerr"
)

// Version is set at build time with -ldflags "-X github.com/hwcov/hwcov/internal/face/cli.Version=v1.2.3".
var Version = ""

// version returns the build's version.
func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// Main runs hwcov with args and returns the exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	f := NewFactory(stdin, stdout, stderr)
	return MainWith(f, args)
}

// MainWith runs hwcov with a prepared factory.
func MainWith(f *Factory, args []string) int {
	return exitCode(execute(f, args), f.Err)
}

// execute runs hwcov with a prepared factory and returns the command's error.
func execute(f *Factory, args []string) error {
	root, st := newCmdRoot(f)
	root.SetArgs(args)
	root.SetIn(f.In)
	root.SetOut(f.Out)
	root.SetErr(f.Err)
	ctx, stop := hwerr.InterruptContext(context.Background())
	defer stop()
	_, err := root.ExecuteContextC(ctx)
	if err != nil && errors.Is(context.Cause(ctx), errInterrupted) && !asErr(err, new(*interruptedError)) {
		err = errInterrupted
	}
	if err == nil && st.helpErr != nil {
		err = st.helpErr
	}
	return err
}

// NewCmdRoot builds the command tree.
func NewCmdRoot(f *Factory) *cobra.Command {
	root, _ := newCmdRoot(f)
	return root
}

// rootState is what the command tree reports besides its error: a group's
// help asked for with an unknown subcommand.
type rootState struct{ helpErr error }

func newCmdRoot(f *Factory) (*cobra.Command, *rootState) {
	st := &rootState{}
	root := &cobra.Command{
		Use:           "hwcov",
		Short:         "Test every HuggingFace architecture on every hardware platform, from CI",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&f.ConfigPath, "config", "", "config file (default ./hwcov.yaml when present)")
	root.PersistentFlags().StringVar(&f.PythonFlag, "python", "", "Python interpreter (default $HWCOV_PYTHON, ./.venv/bin/python, python3)")
	root.AddCommand(
		NewCmdVersion(f),
		NewCmdCatalog(f),
		NewCmdHardware(f),
		NewCmdGenerate(f),
		NewCmdTemplates(f),
		NewCmdPlan(f),
		NewCmdRun(f),
		NewCmdMerge(f),
		NewCmdCompare(f),
		NewCmdComment(f),
		NewCmdCheck(f),
		NewCmdReport(f),
		NewCmdPatch(f),
		NewCmdReference(f),
		NewCmdBaseline(f),
		NewCmdBrowser(f),
		NewCmdWorkflow(f),
		NewCmdAction(f),
	)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usagef(c.CommandPath()+" --help", "%v", err)
	})
	applyHelp(root, helpSections())
	strictGroups(root, st)
	return root, st
}

// strictGroups makes every command that only groups subcommands refuse an
// unknown subcommand with a usage error, instead of printing help and exiting
// 0, also when --help is given; and it makes a wrong number of arguments a
// usage error.
func strictGroups(c *cobra.Command, st *rootState) {
	for _, sub := range c.Commands() {
		strictGroups(sub, st)
	}
	if c.HasSubCommands() && c.Run == nil && c.RunE == nil {
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownCommand(cmd, args[0])
			}
			return cmd.Help()
		}
		help := c.HelpFunc()
		c.SetHelpFunc(func(cmd *cobra.Command, args []string) {
			if cmd == c && cmd.Flags().NArg() > 0 {
				st.helpErr = unknownCommand(cmd, cmd.Flags().Arg(0))
				return
			}
			help(cmd, args)
		})
		return
	}
	if c.PreRunE == nil && c.PreRun == nil {
		// cobra checks flag groups after PreRunE and returns a plain error.
		c.PreRunE = func(cmd *cobra.Command, _ []string) error {
			if err := cmd.ValidateFlagGroups(); err != nil {
				return usagef(cmd.CommandPath()+" --help", "%v", err)
			}
			return nil
		}
	}
	if check := c.Args; check != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				return usagef(cmd.CommandPath()+" --help", "%v", err)
			}
			return nil
		}
	}
}

// unknownCommand is the usage error for a group given a name it lacks.
func unknownCommand(group *cobra.Command, name string) error {
	hint := group.CommandPath() + " --help"
	if group.SuggestionsMinimumDistance <= 0 {
		group.SuggestionsMinimumDistance = 2
	}
	if s := group.SuggestionsFor(name); len(s) > 0 {
		hint = group.CommandPath() + " " + s[0]
	}
	return usagef(hint, "unknown command %q for %q", name, group.CommandPath())
}

// NewCmdVersion builds `hwcov version`.
func NewCmdVersion(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print hwcov's version and the transformers version of its catalog",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return runVersion(f) },
	}
}

// runVersion needs no options: `hwcov version` has no flags.
func runVersion(f *Factory) error {
	c, err := f.Catalog()
	if err != nil {
		return err
	}
	_, err = io.WriteString(f.Out, "hwcov "+version()+" (catalog: transformers "+c.TransformersVersion+", "+
		itoa(len(c.Architectures))+" architectures)\n")
	return err
}

// group builds a command that only groups its subcommands.
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short}
	cmd.AddCommand(subs...)
	return cmd
}
