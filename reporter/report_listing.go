package reporter

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/planner"
)

// CatalogList writes architectures (of catalog c) as a table, csv or json
// (`hwcov catalog list`).
func CatalogList(w io.Writer, c *catalog.Catalog, archs []catalog.Architecture, format string) error {
	if format == "json" {
		return WriteJSON(w, struct {
			TransformersVersion string                 `json:"transformers_version"`
			Count               int                    `json:"count"`
			Architectures       []catalog.Architecture `json:"architectures"`
		}{c.TransformersVersion, len(archs), archs})
	}
	header := []string{"architecture", "category", "built_with", "priority", "popularity_rank", "default_params_m"}
	var rows [][]string
	for _, a := range archs {
		rank := ""
		if a.PopularityRank > 0 {
			rank = strconv.Itoa(a.PopularityRank)
		}
		auto := a.BuildClass()
		if auto == "" {
			auto = "(not buildable from config)"
		}
		rows = append(rows, []string{a.Name, a.Category, auto, a.Priority, rank, fmt.Sprintf("%.1f", a.DefaultParamsM)})
	}
	return writeListing(w, format, header, rows)
}

// CatalogSummary writes the count of architectures per category as a
// table, csv or json (`hwcov catalog list --summary`).
func CatalogSummary(w io.Writer, c *catalog.Catalog, archs []catalog.Architecture, format string) error {
	rows, buildable := catalog.Summarize(archs)
	if format == "json" {
		return WriteJSON(w, struct {
			TransformersVersion string                    `json:"transformers_version"`
			Total               int                       `json:"total"`
			Categories          []catalog.CategorySummary `json:"categories"`
		}{c.TransformersVersion, len(archs), rows})
	}
	var cells [][]string
	for _, r := range rows {
		cells = append(cells, []string{r.Category, strconv.Itoa(r.Count), strconv.Itoa(r.Buildable)})
	}
	cells = append(cells, []string{"total", strconv.Itoa(len(archs)), strconv.Itoa(buildable)})
	if err := writeListing(w, format, []string{"category", "architectures", "buildable from config"}, cells); err != nil || format == "csv" {
		return err
	}
	_, err := fmt.Fprintf(w, "transformers %s; diffusion is empty: transformers has no diffusion task mapping (diffusion models live in diffusers).\n", c.TransformersVersion)
	return err
}

// HardwareList writes the platforms as a table, csv or json (`hwcov
// hardware list`).
func HardwareList(w io.Writer, ps []hardware.Platform, format string) error {
	if format == "json" {
		return WriteJSON(w, ps)
	}
	header := []string{"platform", "backend", "precision", "memory_mb", "timeout_s", "runner labels", "source"}
	var rows [][]string
	for _, p := range ps {
		src := "built-in"
		if !p.Builtin {
			src = "custom"
		}
		rows = append(rows, []string{p.PlatformKey, p.BackendType, p.PreferredPrecision + " of " + strings.Join(p.SupportedPrecisions, ","),
			strconv.Itoa(p.MemoryConstraintMB), strconv.Itoa(p.DefaultTimeoutSeconds), strings.Join(p.Labels(), ","), src})
	}
	return writeListing(w, format, header, rows)
}

// Detections writes what `hwcov hardware detect` found, as a table with
// the runner labels under it, or json.
func Detections(w io.Writer, ds []hardware.Detection, labels []string, format string) error {
	if format == "json" {
		return WriteJSON(w, struct {
			Platforms []hardware.Detection `json:"platforms"`
			Labels    []string             `json:"labels"`
		}{ds, labels})
	}
	var rows [][]string
	for _, d := range ds {
		mark := "no"
		if d.Available {
			mark = "yes"
		}
		rows = append(rows, []string{d.Platform, mark, d.Detail})
	}
	if err := WritePlainTable(w, []string{"platform", "available", "detail"}, rows); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "runner labels: %s\n", strings.Join(labels, ","))
	return err
}

// PlanShards writes a plan's shards as a table (`hwcov plan --format table`).
func PlanShards(w io.Writer, plan *planner.Plan) error {
	var rows [][]string
	for _, s := range plan.Shards {
		rows = append(rows, []string{s.ID, s.Hardware, strings.Join(s.RunsOn, ","), strconv.Itoa(len(s.Tests)), fmt.Sprintf("%.1f", s.EstSeconds/60)})
	}
	return WritePlainTable(w, []string{"shard", "hardware", "runs-on", "tests", "est minutes"}, rows)
}
