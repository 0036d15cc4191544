package outcome

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultFile is where a repository declares its own unsupported pairs.
const DefaultFile = ".hwcov/unsupported.yaml"

//go:embed data/unsupported.yaml
var builtinYAML []byte

// Declaration says a platform is known not to run an architecture, or every
// architecture of a category, and why.
type Declaration struct {
	Platform     string `yaml:"platform" json:"platform"`
	Architecture string `yaml:"architecture,omitempty" json:"architecture,omitempty"`
	Category     string `yaml:"category,omitempty" json:"category,omitempty"`
	// Reason says why, in one line.
	Reason string `yaml:"reason" json:"reason"`
	// Link points to where it is explained: an https URL, or a path in the
	// repository ("docs/web-platforms.md#measured-here").
	Link string `yaml:"link" json:"link"`
}

// Declarations are looked up in order: the first entry naming the
// architecture wins, else the first naming its category.
type Declarations []Declaration

// Find returns the declaration for an architecture of category on platform
// hw.
func (d Declarations) Find(arch, category, hw string) (Declaration, bool) {
	for _, x := range d {
		if x.Platform == hw && x.Architecture != "" && x.Architecture == arch {
			return x, true
		}
	}
	for _, x := range d {
		if x.Platform == hw && x.Category != "" && x.Category == category {
			return x, true
		}
	}
	return Declaration{}, false
}

// Builtin returns the declarations shipped in the binary.
func Builtin() Declarations {
	d, err := Parse("builtin unsupported.yaml", builtinYAML)
	if err != nil {
		panic(fmt.Sprintf("outcome: %v", err)) // a build defect, caught by tests
	}
	return d
}

// Load returns the declarations of path (DefaultFile when empty) followed
// by the builtin ones, so that a repository's entry wins. A missing file
// adds nothing.
func Load(path string) (Declarations, error) {
	if path == "" {
		path = DefaultFile
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Builtin(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read unsupported declarations %q: %w", path, err)
	}
	d, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	return append(d, Builtin()...), nil
}

// Parse reads a YAML list of declarations strictly: unknown keys are
// errors, and each entry needs a platform, exactly one of architecture or
// category, a reason and a link (an https URL or a repository path).
func Parse(name string, data []byte) (Declarations, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var d Declarations
	if err := dec.Decode(&d); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("unsupported declarations %q: %w", name, err)
	}
	for i, x := range d {
		what := fmt.Sprintf("unsupported declarations %q entry %d", name, i+1)
		switch {
		case x.Platform == "":
			return nil, fmt.Errorf("%s: no platform", what)
		case (x.Architecture == "") == (x.Category == ""):
			return nil, fmt.Errorf("%s (%s): name exactly one of architecture or category", what, x.Platform)
		case strings.TrimSpace(x.Reason) == "":
			return nil, fmt.Errorf("%s (%s): no reason", what, x.Platform)
		case !validLink(x.Link):
			return nil, fmt.Errorf("%s (%s): link %q: want an https URL or a repository path", what, x.Platform, x.Link)
		}
	}
	return d, nil
}

// validLink accepts an https URL or a relative repository path, without
// spaces or characters that would break out of a markdown link.
func validLink(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t\n<>()[]`\"'\\") {
		return false
	}
	if strings.HasPrefix(s, "https://") {
		return len(s) > len("https://")
	}
	return !strings.Contains(s, ":") && !strings.HasPrefix(s, "/") && !strings.Contains(s, "..")
}
