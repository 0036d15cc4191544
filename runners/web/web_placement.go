package web

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Node is one ONNX graph node as onnxruntime names it in its log.
type Node struct {
	Op   string `json:"op"`
	Name string `json:"name"`
}

// Placement is where onnxruntime-web put the graph's nodes, read from the
// session's verbose log ("Node placements" and the execution provider's
// GetCapability lines).
type Placement struct {
	// Providers maps each execution provider to its number of nodes.
	Providers map[string]int `json:"providers"`
	// Expected are the providers of the platform (webgpu: JsExecutionProvider
	// or WebGpuExecutionProvider; webnn: WebNNExecutionProvider).
	Expected []string `json:"expected"`
	// Fallback lists the nodes placed on any other provider (the wasm
	// CPUExecutionProvider): what ran, silently, off the platform.
	Fallback []Node `json:"fallback"`
	// FallbackCount counts them when the log gives only a count ("All nodes
	// placed on [CPUExecutionProvider]").
	FallbackCount int `json:"fallback_count"`
	// Unsupported lists the nodes the platform's provider said it cannot run.
	Unsupported []Node `json:"unsupported"`
	// Logged is false when the log had no placement lines at all.
	Logged bool `json:"logged"`
}

// expectedProviders are the onnxruntime-web execution providers that count
// as running on each platform. onnxruntime-web 1.30's "webgpu" is the JSEP
// build (JsExecutionProvider); the native WebGPU provider is
// WebGpuExecutionProvider.
var expectedProviders = map[string][]string{
	"webgpu": {"JsExecutionProvider", "WebGpuExecutionProvider"},
	"webnn":  {"WebNNExecutionProvider"},
	"wasm":   {"CPUExecutionProvider", "XnnpackExecutionProvider"},
}

var (
	reAllPlaced   = regexp.MustCompile(`All nodes placed on \[(\w+)\]\. Number of nodes: (\d+)`)
	reSomePlaced  = regexp.MustCompile(`Node\(s\) placed on \[(\w+)\]\. Number of nodes: (\d+)`)
	reNodeLine    = regexp.MustCompile(`VerifyEachNodeIsAssignedToAnEp\]\s{2,}(\S+) \((.*)\)\s*$`)
	reJSEPMissing = regexp.MustCompile(`kernel not found in registries for Op type: (\S+) node name: (.*?)\s*$`)
	reWebNNNode   = regexp.MustCompile(`Operator type: \[(\w+)\] index: \[\d+\] name: \[(.*?)\] supported: \[0\]`)
)

// ParsePlacement reads onnxruntime's placement lines for a session created on
// platform's execution provider. Lines are what the page captured, in order;
// a multi-line log entry may also arrive as one line with newlines.
func ParsePlacement(platform string, lines []string) Placement {
	p := Placement{Providers: map[string]int{}, Expected: expectedProviders[platform]}
	expected := map[string]bool{}
	for _, e := range p.Expected {
		expected[e] = true
	}
	var split []string
	for _, l := range lines {
		split = append(split, strings.Split(l, "\n")...)
	}
	current := ""
	seenUnsupported := map[Node]bool{}
	for _, l := range split {
		if m := reAllPlaced.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[2])
			p.Providers[m[1]] += n
			p.Logged = true
			if !expected[m[1]] {
				p.FallbackCount += n
			}
			current = ""
			continue
		}
		if m := reSomePlaced.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[2])
			p.Providers[m[1]] += n
			p.Logged = true
			current = m[1]
			if !expected[current] {
				p.FallbackCount += n
			}
			continue
		}
		if m := reNodeLine.FindStringSubmatch(l); m != nil && current != "" {
			if !expected[current] {
				p.Fallback = append(p.Fallback, Node{Op: m[1], Name: m[2]})
			}
			continue
		}
		if m := reNodeListed(l); m != nil && current != "" {
			if !expected[current] {
				p.Fallback = append(p.Fallback, *m)
			}
			continue
		}
		var u *Node
		if m := reJSEPMissing.FindStringSubmatch(l); m != nil && platform == "webgpu" {
			u = &Node{Op: m[1], Name: m[2]}
		} else if m := reWebNNNode.FindStringSubmatch(l); m != nil && platform == "webnn" {
			u = &Node{Op: m[1], Name: m[2]}
		}
		if u != nil && !seenUnsupported[*u] {
			seenUnsupported[*u] = true
			p.Unsupported = append(p.Unsupported, *u)
		}
	}
	sort.SliceStable(p.Fallback, func(i, j int) bool { return p.Fallback[i].Op < p.Fallback[j].Op })
	return p
}

// reNodeListed reads a node line of a multi-line entry ("  Det (node_name)")
// that came without the log prefix.
func reNodeListed(l string) *Node {
	if !strings.HasPrefix(l, "  ") || strings.Contains(l, "onnxruntime") {
		return nil
	}
	s := strings.TrimSpace(l)
	op, rest, ok := strings.Cut(s, " (")
	if !ok || !strings.HasSuffix(rest, ")") || strings.ContainsAny(op, " []") {
		return nil
	}
	return &Node{Op: op, Name: strings.TrimSuffix(rest, ")")}
}

// OnPlatform reports whether every node ran on the platform's providers.
func (p Placement) OnPlatform() bool {
	return p.Logged && p.FallbackCount == 0 && len(p.Fallback) == 0
}

// FallbackOps returns "Cast x2, Det" for the fallback nodes (or the
// unsupported ones when the log listed only counts).
func (p Placement) FallbackOps() string {
	nodes := p.Fallback
	if len(nodes) == 0 {
		nodes = p.Unsupported
	}
	count := map[string]int{}
	var order []string
	for _, n := range nodes {
		if count[n.Op] == 0 {
			order = append(order, n.Op)
		}
		count[n.Op]++
	}
	parts := make([]string, 0, len(order))
	for _, op := range order {
		if count[op] > 1 {
			parts = append(parts, op+" x"+strconv.Itoa(count[op]))
		} else {
			parts = append(parts, op)
		}
	}
	return strings.Join(parts, ", ")
}
