package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/reporter"
	"github.com/hwcov/hwcov/runners/web"
)

// NewCmdHardware builds `hwcov hardware`.
func NewCmdHardware(f *Factory) *cobra.Command {
	return group("hardware", "List, show, add and detect hardware platforms",
		NewCmdHardwareList(f), NewCmdHardwareShow(f), NewCmdHardwareAdd(f), NewCmdHardwareDetect(f))
}

// HardwareListOptions are the options of `hwcov hardware list`.
type HardwareListOptions struct {
	F      *Factory
	Format string
}

// NewCmdHardwareList builds `hwcov hardware list`.
func NewCmdHardwareList(f *Factory) *cobra.Command {
	opts := &HardwareListOptions{F: f}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the built-in and custom platforms with their runner labels",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return runHardwareList(opts) },
	}
	cmd.Flags().StringVar(&opts.Format, "format", "table", "table, json or csv")
	return cmd
}

func runHardwareList(opts *HardwareListOptions) error {
	if err := checkFormat("format", opts.Format, "table", "json", "csv"); err != nil {
		return err
	}
	r, err := opts.F.Hardware()
	if err != nil {
		return err
	}
	return reporter.HardwareList(opts.F.Out, r.All(), opts.Format)
}

// HardwareShowOptions are the options of `hwcov hardware show`.
type HardwareShowOptions struct {
	F   *Factory
	Key string
}

// NewCmdHardwareShow builds `hwcov hardware show`.
func NewCmdHardwareShow(f *Factory) *cobra.Command {
	opts := &HardwareShowOptions{F: f}
	return &cobra.Command{
		Use:   "show PLATFORM",
		Short: "Print one platform in the guide's JSON format",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Key = args[0]
			return runHardwareShow(opts)
		},
	}
}

func runHardwareShow(opts *HardwareShowOptions) error {
	ps, err := opts.F.Platforms([]string{opts.Key})
	if err != nil {
		return err
	}
	b, err := hardware.Marshal(ps[0])
	if err != nil {
		return err
	}
	_, err = opts.F.Out.Write(b)
	return err
}

// HardwareAddOptions are the options of `hwcov hardware add`.
type HardwareAddOptions struct {
	F          *Factory
	Properties string
	Dir        string
	Force      bool
}

// NewCmdHardwareAdd builds `hwcov hardware add`.
func NewCmdHardwareAdd(f *Factory) *cobra.Command {
	opts := &HardwareAddOptions{F: f}
	cmd := &cobra.Command{
		Use:     "add --properties FILE.json",
		Short:   "Add a custom platform from the guide's JSON format (guide: --add-hardware, --define-hardware)",
		Aliases: []string{"define"},
		Args:    cobra.NoArgs,
		RunE:    func(*cobra.Command, []string) error { return runHardwareAdd(opts) },
	}
	cmd.Flags().StringVar(&opts.Properties, "properties", "", "platform file in the guide's JSON format (required)")
	cmd.Flags().StringVar(&opts.Properties, "config", "", "alias of --properties")
	cmd.Flags().StringVar(&opts.Dir, "dir", "", "where custom platforms live (default hardware_dir in hwcov.yaml, .hwcov/hardware)")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "replace a custom platform with the same key")
	return cmd
}

func runHardwareAdd(opts *HardwareAddOptions) error {
	p, path, err := opts.F.AddPlatform(opts.Properties, opts.Dir, opts.Force)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.F.Out, "added %s (%s, %s) as %s; runner labels %s\n", p.PlatformKey, p.PlatformName, p.BackendType, path, strings.Join(p.Labels(), ","))
	return nil
}

// HardwareDetectOptions are the options of `hwcov hardware detect`.
type HardwareDetectOptions struct {
	F      *Factory
	Labels bool
	Format string
}

// NewCmdHardwareDetect builds `hwcov hardware detect`.
func NewCmdHardwareDetect(f *Factory) *cobra.Command {
	opts := &HardwareDetectOptions{F: f}
	cmd := &cobra.Command{
		Use:   "detect",
		Short: "Print what this machine can run, as runner labels",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runHardwareDetect(c.Context(), opts) },
	}
	cmd.Flags().BoolVar(&opts.Labels, "labels", false, "print only the runner labels, comma-separated")
	cmd.Flags().StringVar(&opts.Format, "format", "table", "table or json")
	return cmd
}

func runHardwareDetect(ctx context.Context, opts *HardwareDetectOptions) error {
	if err := checkFormat("format", opts.Format, "table", "json"); err != nil {
		return err
	}
	f := opts.F
	raw, err := f.RunHarnessScript(ctx, "detect")
	if err != nil {
		fmt.Fprintf(f.Err, "hwcov: hardware probe failed, reporting cpu only: %v\n", err)
	}
	probe, err := hardware.MachineProbe(raw, err == nil, f.LookPath)
	if err != nil {
		return err
	}
	if o, err := f.webOptions(); err == nil {
		probe.Web = web.Probe(ctx, o) // a few seconds when the browsers are installed
	}
	ds := hardware.Detect(probe)
	labels := hardware.Labels(probe, ds)
	if opts.Labels {
		_, err := fmt.Fprintln(f.Out, strings.Join(labels, ","))
		return err
	}
	return reporter.Detections(f.Out, ds, labels, opts.Format)
}
