package catalog

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Selector chooses architectures. Exactly one way of choosing is used; Models
// takes precedence, then Category, Priority, Top/Rank, All.
type Selector struct {
	Models   []string // explicit names
	Category string   // a category or an alias of one
	All      bool     // every architecture
	Priority string   // key, high (key + high)
	Top      int      // the N most downloaded
	Rank     string   // "1-50": popularity ranks, inclusive
}

// Empty reports whether the selector chooses nothing.
func (s Selector) Empty() bool {
	return len(s.Models) == 0 && s.Category == "" && !s.All && s.Priority == "" && s.Top == 0 && s.Rank == ""
}

// UnknownError is returned for a name the catalog does not know.
type UnknownError struct {
	Kind    string // "model", "category", ...
	Name    string
	Closest []string
}

func (e *UnknownError) Error() string {
	msg := fmt.Sprintf("unknown %s %q", e.Kind, e.Name)
	if len(e.Closest) > 0 {
		msg += "; closest: " + strings.Join(e.Closest, ", ")
	}
	return msg
}

// Select returns the chosen architectures in catalog order (explicit names keep
// the user's order).
func (c *Catalog) Select(s Selector) ([]Architecture, error) {
	var out []Architecture
	switch {
	case len(s.Models) > 0:
		seen := map[string]bool{}
		for _, name := range s.Models {
			name = strings.TrimSpace(name)
			if name == "" || seen[name] {
				continue
			}
			seen[name] = true
			a, ok := c.Get(name)
			if !ok {
				return nil, &UnknownError{Kind: "model", Name: name, Closest: Closest(name, c.Names(), 3)}
			}
			out = append(out, a)
		}
	case s.Category != "":
		cat, ok := NormalizeCategory(s.Category)
		if !ok {
			return nil, &UnknownError{Kind: "category", Name: s.Category, Closest: Closest(s.Category, Categories, 3)}
		}
		for _, a := range c.Architectures {
			if a.Category == cat {
				out = append(out, a)
			}
		}
	case s.Priority != "":
		var want map[string]bool
		switch strings.ToLower(s.Priority) {
		case PriorityKey:
			want = map[string]bool{PriorityKey: true}
		case PriorityHigh:
			want = map[string]bool{PriorityKey: true, PriorityHigh: true}
		case PriorityNormal, "all":
			want = map[string]bool{PriorityKey: true, PriorityHigh: true, PriorityNormal: true}
		default:
			return nil, &UnknownError{Kind: "priority", Name: s.Priority, Closest: []string{PriorityKey, PriorityHigh, PriorityNormal}}
		}
		for _, a := range c.Architectures {
			if want[a.Priority] {
				out = append(out, a)
			}
		}
	case s.Top > 0 || s.Rank != "":
		from, to := 1, s.Top
		if s.Rank != "" {
			var err error
			if from, to, err = ParseRank(s.Rank); err != nil {
				return nil, err
			}
		}
		ranked := c.ranked()
		if len(ranked) == 0 {
			return nil, ErrNoPopularity
		}
		for _, a := range ranked {
			if a.PopularityRank >= from && a.PopularityRank <= to {
				out = append(out, a)
			}
		}
	case s.All:
		out = append(out, c.Architectures...)
	}
	return out, nil
}

// ErrNoPopularity says that no popularity ranks are known yet.
var ErrNoPopularity = fmt.Errorf("no popularity ranks are known: run `hwcov catalog sync --popularity` first")

func (c *Catalog) ranked() []Architecture {
	var out []Architecture
	for _, a := range c.Architectures {
		if a.PopularityRank > 0 {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PopularityRank < out[j].PopularityRank })
	return out
}

// ParseRank reads "1-50" (or "7") into an inclusive range.
func ParseRank(s string) (from, to int, err error) {
	a, b, found := strings.Cut(strings.TrimSpace(s), "-")
	if !found {
		b = a
	}
	from, err1 := strconv.Atoi(strings.TrimSpace(a))
	to, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || from < 1 || to < from {
		return 0, 0, fmt.Errorf("popularity rank %q: want FROM-TO with 1 <= FROM <= TO, e.g. 1-50", s)
	}
	return from, to, nil
}

// Closest returns up to n candidates nearest to name by edit distance (and
// those that contain it), best first.
func Closest(name string, candidates []string, n int) []string {
	type scored struct {
		s string
		d int
	}
	name = strings.ToLower(name)
	var all []scored
	for _, c := range candidates {
		d := editDistance(name, strings.ToLower(c))
		if strings.Contains(strings.ToLower(c), name) || strings.Contains(name, strings.ToLower(c)) {
			d = min(d, 1+abs(len(c)-len(name))/2)
		}
		all = append(all, scored{c, d})
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].d != all[j].d {
			return all[i].d < all[j].d
		}
		return all[i].s < all[j].s
	})
	var out []string
	for _, s := range all {
		if len(out) == n || s.d > max(3, len(name)/2) {
			break
		}
		out = append(out, s.s)
	}
	return out
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and transpositions of neighbours cost 1.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// Subsets are the architectures' names per category and per priority tier
// ("key", "high_priority", which includes the key ones), in catalog order.
func (c *Catalog) Subsets() map[string][]string {
	subsets := map[string][]string{}
	for _, a := range c.Architectures {
		subsets[a.Category] = append(subsets[a.Category], a.Name)
		switch a.Priority {
		case PriorityKey:
			subsets["key"] = append(subsets["key"], a.Name)
			subsets["high_priority"] = append(subsets["high_priority"], a.Name)
		case PriorityHigh:
			subsets["high_priority"] = append(subsets["high_priority"], a.Name)
		}
	}
	return subsets
}

// SubsetFile is one model list `hwcov catalog subsets` writes: Name.txt
// holding Body, a comment line and one architecture per line.
type SubsetFile struct {
	Name   string
	Models []string
	Body   string
}

// SubsetFiles are the Subsets as model list files, sorted by name.
func (c *Catalog) SubsetFiles() []SubsetFile {
	subsets := c.Subsets()
	out := make([]SubsetFile, 0, len(subsets))
	for n, models := range subsets {
		body := "# hwcov model subset " + n + " (transformers " + c.TransformersVersion + ")\n" + strings.Join(models, "\n") + "\n"
		out = append(out, SubsetFile{Name: n, Models: models, Body: body})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// CategorySummary counts the architectures per category, and those of them
// buildable from their config, in Categories order.
type CategorySummary struct {
	Category  string `json:"category"`
	Count     int    `json:"count"`
	Buildable int    `json:"buildable_from_config"`
}

// Summarize counts archs per category.
func Summarize(archs []Architecture) (rows []CategorySummary, buildable int) {
	count, built := map[string]int{}, map[string]int{}
	for _, a := range archs {
		count[a.Category]++
		if a.Buildable() {
			built[a.Category]++
			buildable++
		}
	}
	for _, cat := range Categories {
		rows = append(rows, CategorySummary{cat, count[cat], built[cat]})
	}
	return rows, buildable
}

// ReadModelsFile reads a model list (what Subsets writes): names one a line
// or comma-separated, with # comments.
func ReadModelsFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("models file: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, strings.Split(line, ",")...)
	}
	return out, sc.Err()
}
