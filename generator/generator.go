package generator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"text/template"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/testid"
	"github.com/hwcov/hwcov/planner"
)

// Timing defaults written into every file (a cell's defaults come from
// planner.DefaultCell).
const (
	DefaultWarmup     = 1
	DefaultIterations = 5
)

// RequiredBlocks are the blocks every chain must define; base.py.tmpl declares
// them all, so only a user's replacement base can leave one out.
var RequiredBlocks = []string{
	"header", "imports", "constants", "device_setup", "memory", "config", "model_build",
	"inputs", "placement", "optimize", "forward", "run", "tolerance", "compare", "validate", "teardown", "entrypoints",
}

// Options configure a Generator.
type Options struct {
	// TemplatesDir holds the user's templates. A file there wins over the
	// embedded default with the same relative name (e.g. family/whisper.py.tmpl);
	// a file there with no embedded twin adds to the hierarchy. Empty: embedded only.
	TemplatesDir string
	// HwcovVersion and TransformersVersion are written into each file's header.
	HwcovVersion        string
	TransformersVersion string
}

// Generator renders test files. It is safe for concurrent use.
type Generator struct {
	opts Options

	mu     sync.Mutex
	files  map[string]*file        // relative name -> content and origin (nil: absent)
	parsed map[string]*parsedChain // chain key -> parsed chain
}

type file struct {
	src    string
	origin string // EmbeddedSource or the user directory
}

// EmbeddedSource is the Source of a Layer that comes from the binary.
const EmbeddedSource = "embedded"

// New returns a Generator. A TemplatesDir that is set must be a directory.
func New(opts Options) (*Generator, error) {
	if opts.TemplatesDir != "" {
		st, err := os.Stat(opts.TemplatesDir)
		if err != nil {
			return nil, fmt.Errorf("templates directory: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("templates directory %q is not a directory", opts.TemplatesDir)
		}
	}
	if opts.HwcovVersion == "" {
		opts.HwcovVersion = "dev"
	}
	if opts.TransformersVersion == "" {
		opts.TransformersVersion = "unknown"
	}
	return &Generator{
		opts:   opts,
		files:  map[string]*file{},
		parsed: map[string]*parsedChain{},
	}, nil
}

// Rendered is one generated test file.
type Rendered struct {
	Path   string    // file name, e.g. test_bert_cpu.py (see FileName)
	ID     testid.ID // the cell it was rendered for
	TestID string    // the same as text, e.g. bert@cpu/fp32/b1/s128
	Source []byte    // the Python source
	Chain  []Layer   // the templates it was made from, base first
	// Revision identifies the template sources behind the file: 12 hex
	// digits of their SHA-256; results keep it as the guide's patch_version.
	Revision string
}

// Data is what templates execute against.
type Data struct {
	TestID    string               // bert@cpu/fp32/b1/s128
	Cell      testid.ID            // the same, as fields
	Arch      catalog.Architecture // the architecture
	HW        hardware.Platform    // the platform
	Chain     []Layer              // the templates this file is made from
	Revision  string               // the chain's template revision: 12 hex digits
	FileName  string               // test_bert_cpu.py
	TestFunc  string               // test_bert_cpu
	ModelName string               // tiny-random-bert

	Warmup     int // warmup iterations before timing
	Iterations int // timed iterations

	HwcovVersion        string
	TransformersVersion string
}

// Render renders the test file for arch on hw; cell gives the default
// precision, batch size and sequence length written into the file (zero values
// take the defaults of planner.DefaultCell).
func (g *Generator) Render(arch catalog.Architecture, hw hardware.Platform, cell testid.ID) (Rendered, error) {
	if arch.Name == "" {
		return Rendered{}, fmt.Errorf("render: architecture has no name")
	}
	if hw.PlatformKey == "" {
		return Rendered{}, fmt.Errorf("render %s: platform has no key", arch.Name)
	}
	cell = planner.DefaultCell(cell, arch, hw)
	if cell.Model != arch.Name || cell.Hardware != hw.PlatformKey {
		return Rendered{}, fmt.Errorf("render %s@%s: test id %s is for another pair", arch.Name, hw.PlatformKey, cell)
	}
	chain, err := g.Chain(arch, hw)
	if err != nil {
		return Rendered{}, err
	}
	p, err := g.parse(chain)
	if err != nil {
		return Rendered{}, err
	}
	t, rev := p.tmpl, p.rev
	name := FileName(arch, hw)
	data := Data{
		TestID:              cell.String(),
		Cell:                cell,
		Arch:                arch,
		HW:                  hw,
		Chain:               chain,
		Revision:            rev,
		FileName:            name,
		TestFunc:            strings.TrimSuffix(name, ".py"),
		ModelName:           "tiny-random-" + arch.Name,
		Warmup:              DefaultWarmup,
		Iterations:          DefaultIterations,
		HwcovVersion:        g.opts.HwcovVersion,
		TransformersVersion: g.opts.TransformersVersion,
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, BaseTemplate, data); err != nil {
		return Rendered{}, fmt.Errorf("render %s: %w", cell, templateError(err, chain))
	}
	return Rendered{Path: name, ID: cell, TestID: cell.String(), Source: tidy(buf.Bytes()), Chain: chain, Revision: rev}, nil
}

// parsedChain is a chain's parsed template set and its revision.
type parsedChain struct {
	tmpl *template.Template
	rev  string
}

// parse returns the parsed template set of chain and its revision, from the
// cache when it was parsed before.
//
// The revision is the first 12 hex digits of the SHA-256 of each layer's name
// and source, in order. It changes when any template behind a file changes (a
// bot patch, a user's edit, a new hwcov) and not otherwise, so results of
// different template versions can be told apart.
func (g *Generator) parse(chain []Layer) (*parsedChain, error) {
	key := chainKey(chain)
	g.mu.Lock()
	p, ok := g.parsed[key]
	g.mu.Unlock()
	if ok {
		return p, nil
	}
	root := template.New(BaseTemplate).Funcs(Funcs()).Option("missingkey=error")
	h := sha256.New()
	for i, l := range chain {
		f, err := g.load(l.Name)
		if err != nil {
			return nil, err
		}
		if f == nil {
			return nil, fmt.Errorf("template %q is missing", l.Name)
		}
		tt := root
		if i > 0 {
			tt = root.New(l.Name)
		}
		if _, err := tt.Parse(f.src); err != nil {
			return nil, templateError(err, chain)
		}
		fmt.Fprintf(h, "%s\x00%d\x00%s", l.Name, len(f.src), f.src)
	}
	for _, b := range RequiredBlocks {
		if root.Lookup(b) == nil {
			return nil, &MissingBlockError{Block: b, Chain: chain}
		}
	}
	p = &parsedChain{tmpl: root, rev: hex.EncodeToString(h.Sum(nil))[:12]}
	g.mu.Lock()
	g.parsed[key] = p
	g.mu.Unlock()
	return p, nil
}

func chainKey(chain []Layer) string {
	var b strings.Builder
	for _, l := range chain {
		b.WriteString(l.Name)
		b.WriteByte('\x00')
		b.WriteString(l.Source)
		b.WriteByte('\x00')
	}
	return b.String()
}

// tidy strips trailing whitespace, keeps at most two blank lines in a row
// (PEP 8 between top-level definitions) and ends the file with one newline.
func tidy(src []byte) []byte {
	out := make([]byte, 0, len(src))
	blanks := 0
	started := false
	for len(src) > 0 {
		line := src
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i], src[i+1:]
		} else {
			src = nil
		}
		line = bytes.TrimRight(line, " \t\r")
		if len(line) == 0 {
			blanks++
			continue
		}
		if started {
			for i := 0; i < min(blanks, 2); i++ {
				out = append(out, '\n')
			}
		}
		started = true
		blanks = 0
		out = append(out, line...)
		out = append(out, '\n')
	}
	return out
}
