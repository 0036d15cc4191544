package botpr

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// ReadInputs reads proposals from files and from the *.json files of
// directories (one per platform, when each runner verified its own
// platform), and merges the proposals of one rule: their failures and
// results add up; they must write the same files and agree on resolved.
func ReadInputs(paths []string) (Input, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return Input{}, fmt.Errorf("open proposals %q: %w", p, err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		m, _ := filepath.Glob(filepath.Join(p, "*.json"))
		slices.Sort(m)
		files = append(files, m...)
	}
	var all []Input
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return Input{}, fmt.Errorf("open proposals %q: %w", name, err)
		}
		in, err := ReadInput(f, name)
		f.Close()
		if err != nil {
			return Input{}, err
		}
		all = append(all, in)
	}
	return Merge(all...)
}

// Merge joins inputs, merging the proposals of one rule.
func Merge(ins ...Input) (Input, error) {
	var out Input
	at := map[string]int{}
	for _, in := range ins {
		for _, p := range in.Proposals {
			i, seen := at[p.Rule]
			if !seen {
				at[p.Rule] = len(out.Proposals)
				p.Failures, p.Results = slices.Clone(p.Failures), slices.Clone(p.Results)
				out.Proposals = append(out.Proposals, p)
				continue
			}
			q := &out.Proposals[i]
			if q.Resolved != p.Resolved || !slices.Equal(q.Files, p.Files) {
				return out, fmt.Errorf("rule %q: the proposals disagree on the files they write or on resolved: verify one patch everywhere", p.Rule)
			}
			if q.Dropped == "" {
				q.Dropped = p.Dropped // dropped on one platform is dropped
			}
			q.Failures = append(q.Failures, p.Failures...)
			q.Results = append(q.Results, p.Results...)
			q.Provenance.Runs = append(q.Provenance.Runs, p.Provenance.Runs...)
		}
	}
	for i := range out.Proposals {
		out.Proposals[i].Failures = sumByPlatform(out.Proposals[i].Failures)
	}
	return out, nil
}

// sumByPlatform adds up the counts of one platform, keeping first-seen
// order.
func sumByPlatform(fs []PlatformCount) []PlatformCount {
	var out []PlatformCount
	at := map[string]int{}
	for _, f := range fs {
		if i, ok := at[f.Platform]; ok {
			out[i].Count += f.Count
			continue
		}
		at[f.Platform] = len(out)
		out = append(out, f)
	}
	return out
}
