package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/fsutil"
	"github.com/hwcov/hwcov/internal/workspace"
	"github.com/hwcov/hwcov/reporter"
)

// NewCmdCatalog builds `hwcov catalog`.
func NewCmdCatalog(f *Factory) *cobra.Command {
	return group("catalog", "List and sync the architectures of the installed transformers",
		NewCmdCatalogSync(f), NewCmdCatalogList(f), NewCmdCatalogSubsets(f), NewCmdCatalogShow(f))
}

// CatalogSyncOptions are the options of `hwcov catalog sync`.
type CatalogSyncOptions struct {
	F   *Factory
	Req workspace.SyncRequest
}

// NewCmdCatalogSync builds `hwcov catalog sync`.
func NewCmdCatalogSync(f *Factory) *cobra.Command {
	opts := &CatalogSyncOptions{F: f}
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Read every architecture from the installed transformers into the catalog file",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runCatalogSync(c.Context(), opts) },
	}
	cmd.Flags().StringVar(&opts.Req.Out, "out", "", "catalog file to write (default: catalog in hwcov.yaml, .hwcov/catalog.json)")
	cmd.Flags().BoolVar(&opts.Req.Popularity, "popularity", false, "also fetch download counts from the HuggingFace Hub API")
	cmd.Flags().BoolVar(&opts.Req.PopularityOnly, "popularity-only", false, "only refresh download counts, keep the architectures")
	cmd.Flags().StringVar(&opts.Req.HubURL, "hub-url", "", "HuggingFace Hub base URL (default hub_url in hwcov.yaml, https://huggingface.co)")
	cmd.Flags().IntVar(&opts.Req.Pages, "pages", 5, "pages of 1000 models to read from the Hub")
	return cmd
}

func runCatalogSync(ctx context.Context, opts *CatalogSyncOptions) error {
	f, req := opts.F, opts.Req
	req.HTTP, req.Token, req.Now = f.HTTP, f.Getenv("HF_TOKEN"), f.Now()
	s, err := f.SyncCatalog(ctx, req)
	if s.HubURL != "" && s.Catalog != nil {
		fmt.Fprintf(f.Err, "popularity: %d architectures ranked from %s\n", s.Ranked, s.HubURL)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(f.Out, "wrote %s: %d architectures from transformers %s\n", s.Path, len(s.Catalog.Architectures), s.Catalog.TransformersVersion)
	return nil
}

// CatalogListOptions are the options of `hwcov catalog list`.
type CatalogListOptions struct {
	F        *Factory
	Category string
	Priority string
	Top      int
	Format   string
	Summary  bool
	Out      string
}

// NewCmdCatalogList builds `hwcov catalog list`.
func NewCmdCatalogList(f *Factory) *cobra.Command {
	opts := &CatalogListOptions{F: f}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List architectures with their category, auto class and priority (guide: --list-all-hf-models)",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return runCatalogList(opts) },
	}
	cmd.Flags().StringVar(&opts.Category, "category", "", "only this category ("+strings.Join(catalog.Categories, ", ")+")")
	cmd.Flags().StringVar(&opts.Priority, "priority", "", "only this tier and above: key or high")
	cmd.Flags().IntVar(&opts.Top, "top", 0, "only the N most downloaded (needs `catalog sync --popularity`)")
	cmd.Flags().StringVar(&opts.Format, "format", "", formatUsage("table", catalogFormats...))
	cmd.Flags().BoolVar(&opts.Summary, "summary", false, "print counts per category instead of the list")
	cmd.Flags().StringVarP(&opts.Out, "out", "o", "", "write to this file instead of standard output")
	cmd.Flags().StringVar(&opts.Out, "output", "", "alias of --out")
	return cmd
}

// catalogFormats are the formats `hwcov catalog list` writes.
var catalogFormats = []string{"table", "json", "csv"}

func runCatalogList(opts *CatalogListOptions) error {
	format, err := outputFormat(opts.Format, opts.Out, "table", catalogFormats...)
	if err != nil {
		return err
	}
	opts.Format = format
	c, err := opts.F.Catalog()
	if err != nil {
		return err
	}
	sel := catalog.Selector{Category: opts.Category, Priority: opts.Priority, Top: opts.Top, All: true}
	archs, err := c.Select(sel)
	if err != nil {
		return selectError(err)
	}
	return writeOutput(opts.F, opts.Out, func(w *strings.Builder) error {
		if opts.Summary {
			return reporter.CatalogSummary(w, c, archs, opts.Format)
		}
		return reporter.CatalogList(w, c, archs, opts.Format)
	})
}

// CatalogSubsetsOptions are the options of `hwcov catalog subsets`.
type CatalogSubsetsOptions struct {
	F   *Factory
	Out string
}

// NewCmdCatalogSubsets builds `hwcov catalog subsets`.
func NewCmdCatalogSubsets(f *Factory) *cobra.Command {
	opts := &CatalogSubsetsOptions{F: f}
	cmd := &cobra.Command{
		Use:   "subsets",
		Short: "Write one model list per category and priority tier (guide: --create-model-subsets)",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return runCatalogSubsets(opts) },
	}
	cmd.Flags().StringVar(&opts.Out, "out", "model_subsets", "folder to write the subsets into")
	cmd.Flags().StringVar(&opts.Out, "output", "model_subsets", "alias of --out")
	return cmd
}

func runCatalogSubsets(opts *CatalogSubsetsOptions) error {
	c, err := opts.F.Catalog()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return err
	}
	for _, sf := range c.SubsetFiles() {
		path := filepath.Join(opts.Out, sf.Name+".txt")
		if err := fsutil.WriteFileAtomic(path, []byte(sf.Body), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(opts.F.Out, "%-20s %4d  %s\n", sf.Name, len(sf.Models), path)
	}
	return nil
}

// CatalogShowOptions are the options of `hwcov catalog show`.
type CatalogShowOptions struct {
	F     *Factory
	Name  string
	Rules bool
}

// NewCmdCatalogShow builds `hwcov catalog show`.
func NewCmdCatalogShow(f *Factory) *cobra.Command {
	opts := &CatalogShowOptions{F: f}
	cmd := &cobra.Command{
		Use:   "show [ARCHITECTURE]",
		Short: "Show one architecture as JSON, or the category rules with --rules",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Name = args[0]
			}
			return runCatalogShow(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Rules, "rules", false, "print the category rules, first match wins")
	return cmd
}

func runCatalogShow(opts *CatalogShowOptions) error {
	if opts.Rules {
		for i, r := range catalog.CategoryRules() {
			fmt.Fprintf(opts.F.Out, "%2d. %s\n", i+1, r)
		}
		return nil
	}
	if opts.Name == "" {
		return usagef("hwcov catalog show bert", "name an architecture, or pass --rules")
	}
	c, err := opts.F.Catalog()
	if err != nil {
		return err
	}
	archs, err := c.Select(catalog.Selector{Models: []string{opts.Name}})
	if err != nil {
		return selectError(err)
	}
	return writeJSON(opts.F.Out, archs[0])
}
