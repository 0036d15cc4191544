package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// Version is set at build time with -ldflags "-X github.com/hwcov/hwcov/internal/cli.Version=v1.2.3".
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
	root := NewCmdRoot(f)
	root.SetArgs(args)
	root.SetIn(f.In)
	root.SetOut(f.Out)
	root.SetErr(f.Err)
	ctx, stop := interruptContext(context.Background())
	defer stop()
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil && errors.Is(context.Cause(ctx), errInterrupted) && !asErr(err, new(*interruptedError)) {
		err = errInterrupted
	}
	if err != nil && isFlagError(err) {
		hint := "hwcov --help"
		if cmd != nil {
			hint = cmd.CommandPath() + " --help"
		}
		err = usagef(hint, "%v", err)
	}
	return exitCode(err, f.Err)
}

// interruptContext returns a context cancelled with errInterrupted on the
// first SIGINT or SIGTERM; a second signal gets the default behaviour (the
// process dies), for a command that does not stop.
func interruptContext(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
			signal.Stop(ch)
			cancel(errInterrupted)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

func isFlagError(err error) bool {
	var ue *usageError
	var pe *policyError
	if errors.As(err, &ue) || errors.As(err, &pe) {
		return false
	}
	msg := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand flag", "unknown command", "invalid argument",
		"flag needs an argument", "required flag", "accepts ", "requires at least", "if any flags in the group",
		"none of the others can be"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// NewCmdRoot builds the command tree.
func NewCmdRoot(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "hwcov",
		Short: "Test every HuggingFace architecture on every hardware platform, from CI",
		Long: `hwcov knows every architecture of the installed transformers and the hardware
platforms cpu, cuda, rocm, mps, openvino, onnxruntime, qualcomm, webnn and webgpu.
It writes a readable pytest file per (architecture, hardware) from a template
hierarchy, plans a CI matrix, runs shards in long-lived Python workers, records
every result in DuckDB and reports the compatibility matrix.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&f.ConfigPath, "config", "", "config file (default ./hwcov.yaml when present)")
	root.PersistentFlags().StringVar(&f.PythonFlag, "python", "", "Python interpreter (default $HWCOV_PYTHON, ./.venv/bin/python, python3)")
	root.AddCommand(
		NewCmdVersion(f, nil),
		NewCmdCatalog(f),
		NewCmdHardware(f),
	)
	for _, add := range extraCommands {
		root.AddCommand(add(f))
	}
	strictGroups(root)
	return root
}

// strictGroups makes every command that only groups subcommands refuse an
// unknown subcommand with a usage error, instead of printing help and exiting 0.
func strictGroups(c *cobra.Command) {
	for _, sub := range c.Commands() {
		strictGroups(sub)
	}
	if c.HasSubCommands() && c.Run == nil && c.RunE == nil && c.Parent() != nil {
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef(cmd.CommandPath()+" --help", "unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return cmd.Help()
		}
	}
}

// extraCommands lets each command file register itself.
var extraCommands []func(*Factory) *cobra.Command

// VersionOptions are the options of `hwcov version`.
type VersionOptions struct {
	F *Factory
}

// NewCmdVersion builds `hwcov version`.
func NewCmdVersion(f *Factory, runF func(*VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{F: f}
	return &cobra.Command{
		Use:   "version",
		Short: "Print hwcov's version and the transformers version of its catalog",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runVersion(opts)
		},
	}
}

func runVersion(opts *VersionOptions) error {
	c, err := opts.F.Catalog()
	if err != nil {
		return err
	}
	_, err = io.WriteString(opts.F.Out, "hwcov "+version()+" (catalog: transformers "+c.TransformersVersion+", "+
		itoa(len(c.Architectures))+" architectures)\n")
	return err
}
