package hardware

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

//go:embed data/builtin.json
var builtinJSON []byte

// BuiltinKeys lists the built-in platforms in the guide's order.
var BuiltinKeys = []string{"cpu", "cuda", "rocm", "mps", "openvino", "onnxruntime", "qualcomm", "webnn", "webgpu"}

// Registry holds the known platforms: built-in ones plus custom ones.
type Registry struct {
	platforms map[string]Platform
	order     []string
}

// Builtin returns a registry with the nine built-in platforms.
func Builtin() *Registry {
	var doc struct {
		Platforms []Platform `json:"platforms"`
	}
	if err := json.Unmarshal(builtinJSON, &doc); err != nil {
		panic(fmt.Sprintf("hardware: embedded builtin.json: %v", err)) // a build defect, caught by tests
	}
	r := &Registry{platforms: map[string]Platform{}}
	for _, p := range doc.Platforms {
		p.Builtin = true
		r.platforms[p.PlatformKey] = p
		r.order = append(r.order, p.PlatformKey)
	}
	return r
}

// Add registers p, replacing a platform with the same key.
func (r *Registry) Add(p Platform) {
	if _, ok := r.platforms[p.PlatformKey]; !ok {
		r.order = append(r.order, p.PlatformKey)
	}
	r.platforms[p.PlatformKey] = p
}

// Get returns the platform with key k.
func (r *Registry) Get(k string) (Platform, bool) {
	p, ok := r.platforms[k]
	return p, ok
}

// Keys lists platform keys: built-in ones in the guide's order, then custom ones.
func (r *Registry) Keys() []string { return append([]string{}, r.order...) }

// All lists every platform in Keys order.
func (r *Registry) All() []Platform {
	out := make([]Platform, 0, len(r.order))
	for _, k := range r.order {
		out = append(out, r.platforms[k])
	}
	return out
}

// Optimizations are the optimizations each platform offers, by key.
func (r *Registry) Optimizations() map[string][]string {
	out := make(map[string][]string, len(r.order))
	for _, k := range r.order {
		out[k] = r.platforms[k].Optimizations
	}
	return out
}

// UnknownError names a platform the registry does not know and the closest ones.
type UnknownError struct {
	Name    string
	Closest []string
}

func (e *UnknownError) Error() string {
	msg := fmt.Sprintf("unknown hardware %q", e.Name)
	if len(e.Closest) > 0 {
		msg += "; closest: " + strings.Join(e.Closest, ", ")
	}
	return msg
}

// Resolve turns "all", "cpu,cuda" or a list into platforms.
func (r *Registry) Resolve(names []string, closest func(string, []string, int) []string) ([]Platform, error) {
	var out []Platform
	seen := map[string]bool{}
	for _, n := range names {
		for _, k := range strings.Split(n, ",") {
			k = strings.ToLower(strings.TrimSpace(k))
			switch {
			case k == "":
				continue
			case k == "all":
				for _, p := range r.All() {
					if !seen[p.PlatformKey] {
						seen[p.PlatformKey] = true
						out = append(out, p)
					}
				}
				continue
			}
			p, ok := r.Get(k)
			if !ok {
				var near []string
				if closest != nil {
					near = closest(k, r.Keys(), 3)
				}
				return nil, &UnknownError{Name: k, Closest: near}
			}
			if !seen[k] {
				seen[k] = true
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// FieldError is a validation error in a platform file: which file, which field.
type FieldError struct {
	File  string
	Field string
	Msg   string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s: field %q: %s", e.File, e.Field, e.Msg)
}

var keyRe = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

var validBackends = []string{"torch", "openvino", "onnxruntime", "webnn", "webgpu"}

var validPrecisions = []string{"fp32", "fp16", "bf16", "int8", "int4"}

// ParsePlatform reads one platform in the guide's JSON format strictly: an
// unknown key, a wrong type or a missing required field is an error naming the
// field and the file.
func ParsePlatform(file string, data []byte) (Platform, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Platform
	if err := dec.Decode(&p); err != nil {
		return Platform{}, jsonFieldError(file, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Platform{}, &FieldError{File: file, Msg: "trailing data after the JSON object"}
	}
	if err := p.validate(file); err != nil {
		return Platform{}, err
	}
	if len(p.RunnerLabels) == 0 {
		p.RunnerLabels = []string{"self-hosted", "linux", p.PlatformKey}
	}
	if p.Tolerance == (Tolerance{}) {
		p.Tolerance = Tolerance{Atol: 1e-4, Rtol: 1e-4}
	}
	if len(p.Optimizations) == 0 {
		p.Optimizations = []string{"memory_management"}
	}
	return p, nil
}

func jsonFieldError(file string, err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return &FieldError{File: file, Field: te.Field, Msg: fmt.Sprintf("want %s, got JSON %s", te.Type, te.Value)}
	case errors.As(err, &se):
		return &FieldError{File: file, Msg: fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, err)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &FieldError{File: file, Field: f, Msg: "unknown field (see `hwcov hardware show cpu --format json` for the format)"}
	default:
		return &FieldError{File: file, Msg: err.Error()}
	}
}

func (p *Platform) validate(file string) error {
	fe := func(field, format string, args ...any) error {
		return &FieldError{File: file, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case p.PlatformKey == "":
		return fe("platform_key", "required")
	case !keyRe.MatchString(p.PlatformKey):
		return fe("platform_key", "%q must be lowercase letters, digits, - or _ (at most 32)", p.PlatformKey)
	case p.PlatformName == "":
		return fe("platform_name", "required")
	case !slices.Contains(validBackends, p.BackendType):
		return fe("backend_type", "%q is not one of %s", p.BackendType, strings.Join(validBackends, ", "))
	case p.MemoryConstraintMB <= 0:
		return fe("memory_constraint_mb", "must be a positive number of MiB, got %d", p.MemoryConstraintMB)
	case len(p.SupportedPrecisions) == 0:
		return fe("supported_precisions", "required: a list such as [\"fp32\", \"fp16\"]")
	case p.DefaultBatchSize < 0:
		return fe("default_batch_size", "must be positive, got %d", p.DefaultBatchSize)
	case p.DefaultTimeoutSeconds < 0:
		return fe("default_timeout_seconds", "must be positive, got %d", p.DefaultTimeoutSeconds)
	case p.Tolerance.Atol < 0 || p.Tolerance.Rtol < 0:
		return fe("tolerance", "atol and rtol must not be negative")
	}
	for _, pr := range p.SupportedPrecisions {
		if !slices.Contains(validPrecisions, pr) {
			return fe("supported_precisions", "%q is not one of %s", pr, strings.Join(validPrecisions, ", "))
		}
	}
	if p.PreferredPrecision == "" {
		p.PreferredPrecision = p.SupportedPrecisions[0]
	} else if !slices.Contains(p.SupportedPrecisions, p.PreferredPrecision) {
		return fe("preferred_precision", "%q is not in supported_precisions %v", p.PreferredPrecision, p.SupportedPrecisions)
	}
	if p.DefaultBatchSize == 0 {
		p.DefaultBatchSize = 1
	}
	if p.DefaultTimeoutSeconds == 0 {
		p.DefaultTimeoutSeconds = 120
	}
	for _, l := range p.RunnerLabels {
		if strings.TrimSpace(l) == "" || strings.ContainsAny(l, " ,\n\t") {
			return fe("runner_labels", "label %q must be one word without spaces or commas", l)
		}
	}
	return nil
}

// Marshal writes a platform as indented JSON in the guide's format.
func Marshal(p Platform) ([]byte, error) {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
