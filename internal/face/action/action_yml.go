package action

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Finding is a problem CheckComposite found in a composite action's metadata.
type Finding struct {
	Line int
	Msg  string
}

func (f Finding) String() string { return fmt.Sprintf("line %d: %s", f.Line, f.Msg) }

// Metadata is what CheckComposite reads of an action.yml.
type Metadata struct {
	Inputs  []string          // in file order
	Outputs []string          // in file order
	StepEnv map[string]string // id -> env of the steps with an id, merged: name -> value
}

var exprRE = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// CheckComposite checks a composite action.yml for what actionlint does not
// look at inside composite actions: every `run:` step names its `shell:`, no
// `run:` script holds a `${{ }}` expression (values, inputs above all, travel
// through `env:`, so no input or event text can become shell code), and every
// `inputs.X` the steps use is declared. It returns the findings with lines,
// and what it read.
func CheckComposite(data []byte) ([]Finding, Metadata, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, Metadata{}, fmt.Errorf("parse action metadata: %w", err)
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, Metadata{}, fmt.Errorf("parse action metadata: not a mapping")
	}
	doc := root.Content[0]
	md := Metadata{StepEnv: map[string]string{}}
	var fs []Finding
	add := func(n *yaml.Node, format string, args ...any) {
		fs = append(fs, Finding{Line: n.Line, Msg: fmt.Sprintf(format, args...)})
	}
	declared := map[string]bool{}
	if in := get(doc, "inputs"); in != nil {
		for i := 0; i+1 < len(in.Content); i += 2 {
			md.Inputs = append(md.Inputs, in.Content[i].Value)
			declared[in.Content[i].Value] = true
		}
	}
	if out := get(doc, "outputs"); out != nil {
		for i := 0; i+1 < len(out.Content); i += 2 {
			md.Outputs = append(md.Outputs, out.Content[i].Value)
			if get(out.Content[i+1], "value") == nil {
				add(out.Content[i], "output %q has no value", out.Content[i].Value)
			}
		}
	}
	runs := get(doc, "runs")
	if runs == nil || scalar(get(runs, "using")) != "composite" {
		add(doc, "runs.using is not composite")
		return fs, md, nil
	}
	steps := get(runs, "steps")
	if steps == nil || steps.Kind != yaml.SequenceNode {
		add(runs, "runs.steps is missing")
		return fs, md, nil
	}
	for i, st := range steps.Content {
		name := fmt.Sprintf("step %d", i+1)
		if id := scalar(get(st, "id")); id != "" {
			name = fmt.Sprintf("step %q", id)
		}
		if run := get(st, "run"); run != nil {
			if scalar(get(st, "shell")) == "" {
				add(st, "%s: run: without shell: (composite steps must name their shell)", name)
			}
			for _, m := range exprRE.FindAllStringSubmatch(run.Value, -1) {
				add(run, "%s: ${{ %s }} inside a run: script; pass it through env: and use the variable", name, m[1])
			}
		}
		if env := get(st, "env"); env != nil && scalar(get(st, "id")) != "" {
			for k := 0; k+1 < len(env.Content); k += 2 {
				md.StepEnv[scalar(get(st, "id"))+"."+env.Content[k].Value] = env.Content[k+1].Value
			}
		}
	}
	// Every inputs.X used anywhere is declared.
	walk(doc, func(n *yaml.Node) {
		if n.Kind != yaml.ScalarNode {
			return
		}
		for _, m := range exprRE.FindAllStringSubmatch(n.Value, -1) {
			for _, ref := range regexp.MustCompile(`inputs\.([A-Za-z0-9_-]+)`).FindAllStringSubmatch(m[1], -1) {
				if !declared[ref[1]] {
					add(n, "inputs.%s is not a declared input", ref[1])
				}
			}
		}
	})
	return fs, md, nil
}

// get is the value of key in a mapping node.
func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return strings.TrimSpace(n.Value)
}

func walk(n *yaml.Node, fn func(*yaml.Node)) {
	fn(n)
	for _, c := range n.Content {
		walk(c, fn)
	}
}
