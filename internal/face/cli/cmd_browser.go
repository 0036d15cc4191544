package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/runners/web"
)

// NewCmdBrowser builds `hwcov browser`.
func NewCmdBrowser(f *Factory) *cobra.Command {
	return group("browser", "The browser service that runs webgpu and webnn tests", NewCmdBrowserServe(f))
}

// BrowserServeOptions are the options of `hwcov browser serve`.
type BrowserServeOptions struct {
	F       *Factory
	Addr    string
	Timeout time.Duration
}

// NewCmdBrowserServe builds `hwcov browser serve`.
func NewCmdBrowserServe(f *Factory) *cobra.Command {
	opts := &BrowserServeOptions{F: f}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve webgpu/webnn browsers for generated tests run with pytest; prints HWCOV_BROWSER_URL",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runBrowserServe(c.Context(), opts) },
	}
	cmd.Flags().StringVar(&opts.Addr, "addr", "127.0.0.1:0", "loopback address to listen on")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", web.DefaultTestTimeout, "longest a test may take in the browser")
	return cmd
}

func runBrowserServe(ctx context.Context, opts *BrowserServeOptions) error {
	f := opts.F
	o, err := f.webOptions()
	if err != nil {
		return usagef("make browsers", "%v", err)
	}
	o.Addr, o.TestTimeout = opts.Addr, opts.Timeout
	o.Logf = func(format string, args ...any) { fmt.Fprintf(f.Err, "hwcov: "+format+"\n", args...) }
	return web.Serve(ctx, o, f.Out)
}

// webOptions finds runners/web from the working directory or the executable.
func (f *Factory) webOptions() (web.Options, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	return web.OptionsFromEnv(f.Getenv, starts...)
}
