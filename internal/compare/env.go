package compare

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/hwcov/hwcov/internal/results"
)

// volatileEnv are environment keys that differ between any two processes or
// runner images without changing what a test measures.
var volatileEnv = []string{"pid", "platform", "describe_device_error"}

// envReader reads the environment a result recorded: the "environment"
// object of its Extra JSON (what the Python harness records: python, torch,
// transformers, numpy, openvino, onnxruntime, machine, cpu_count and the
// device the template describes), plus its run's Environment JSON.
type envReader struct {
	ignore map[string]bool
	runs   map[string]string // run id -> Environment JSON
}

func newEnvReader(o Options) *envReader {
	e := &envReader{ignore: map[string]bool{}, runs: map[string]string{}}
	for _, k := range volatileEnv {
		e.ignore[k] = true
	}
	for _, k := range o.IgnoreEnv {
		e.ignore[k] = true
	}
	for _, rs := range [][]results.Run{o.BaseRuns, o.HeadRuns} {
		for _, r := range rs {
			if r.Environment != "" {
				e.runs[r.RunID] = r.Environment
			}
		}
	}
	return e
}

// of returns r's environment as flat strings, without ignored keys.
func (e *envReader) of(r results.Result) map[string]string {
	run := e.runs[r.RunID]
	if r.Extra == "" && run == "" {
		return nil
	}
	env := map[string]string{}
	if run != "" {
		var m map[string]any
		if json.Unmarshal([]byte(run), &m) == nil {
			e.flatten(env, "run.", m)
		}
	}
	if r.Extra != "" {
		var x struct {
			Environment map[string]any `json:"environment"`
		}
		if json.Unmarshal([]byte(r.Extra), &x) == nil {
			e.flatten(env, "", x.Environment)
		}
	}
	return env
}

func (e *envReader) flatten(dst map[string]string, prefix string, m map[string]any) {
	for k, v := range m {
		if e.ignore[k] || e.ignore[prefix+k] {
			continue
		}
		switch v := v.(type) {
		case nil:
		case string:
			dst[prefix+k] = v
		case float64, bool:
			dst[prefix+k] = fmt.Sprint(v)
		default:
			b, _ := json.Marshal(v)
			dst[prefix+k] = string(b)
		}
	}
}

// envDiff is one key whose value differs.
type envDiff struct{ key, base, head string }

// diff lists the keys both environments recorded with different values,
// sorted by key. A key only one side recorded is not a difference: the
// harness records a library's version only once a test imported it.
func (e *envReader) diff(base, head map[string]string) []envDiff {
	var out []envDiff
	for k, hv := range head {
		if bv, ok := base[k]; ok && bv != hv {
			out = append(out, envDiff{k, bv, hv})
		}
	}
	slices.SortFunc(out, func(a, b envDiff) int { return cmp.Compare(a.key, b.key) })
	return out
}

// describeDiff renders differences as "torch 2.3.0 → 2.4.0, python 3.11 → 3.12".
func describeDiff(d []envDiff) string {
	parts := make([]string, len(d))
	for i, x := range d {
		parts[i] = x.key + " " + x.base + " → " + x.head
	}
	return strings.Join(parts, ", ")
}
