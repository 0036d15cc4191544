package ghfake

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// specFile is the description, in testdata/github-openapi at the module root.
const specFile = "api.github.com.subset.json"

// DefaultSpecDir is testdata/github-openapi of the module this file is in.
func DefaultSpecDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "github-openapi")
}

// spec is a loaded description and its routes.
type spec struct {
	doc    *openapi3.T
	routes []route
}

// route is one path template of the description.
type route struct {
	template string
	item     *openapi3.PathItem
	segs     []segment
	literals int
}

type segment struct {
	literal string // "" for a parameter
	param   string
	greedy  bool // the parameter takes the rest of the path, slashes included
}

var (
	specMu    sync.Mutex
	specCache = map[string]*spec{}
)

// loadSpec loads and validates the description in dir once per process.
func loadSpec(dir string) (*spec, error) {
	specMu.Lock()
	defer specMu.Unlock()
	if s, ok := specCache[dir]; ok {
		return s, nil
	}
	data, err := os.ReadFile(filepath.Join(dir, specFile))
	if err != nil {
		return nil, fmt.Errorf("read GitHub OpenAPI description: %w", err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load GitHub OpenAPI description from %q: %w", dir, err)
	}
	if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("GitHub OpenAPI description in %q is invalid: %w", dir, err)
	}
	s := &spec{doc: doc}
	for tmpl, item := range doc.Paths.Map() {
		r := route{template: tmpl, item: item}
		for _, part := range strings.Split(strings.Trim(tmpl, "/"), "/") {
			if strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") {
				name := part[1 : len(part)-1]
				r.segs = append(r.segs, segment{param: name, greedy: multiSegment(item, name)})
				continue
			}
			r.segs = append(r.segs, segment{literal: part})
			r.literals++
		}
		s.routes = append(s.routes, r)
	}
	// Most literal segments first, so /issues/comments/{id} wins over
	// /issues/{n}/comments for the path it matches, then by template.
	sort.Slice(s.routes, func(i, j int) bool {
		if s.routes[i].literals != s.routes[j].literals {
			return s.routes[i].literals > s.routes[j].literals
		}
		return s.routes[i].template < s.routes[j].template
	})
	specCache[dir] = s
	return s, nil
}

// multiSegment reports whether path parameter name is declared
// x-multi-segment (a git ref, a commit-ish) or is a file path.
func multiSegment(item *openapi3.PathItem, name string) bool {
	if name == "path" {
		return true
	}
	check := func(ps openapi3.Parameters) bool {
		for _, p := range ps {
			if p.Value != nil && p.Value.Name == name && p.Value.In == "path" {
				if v, ok := p.Value.Extensions["x-multi-segment"].(bool); ok && v {
					return true
				}
			}
		}
		return false
	}
	if check(item.Parameters) {
		return true
	}
	for _, op := range item.Operations() {
		if check(op.Parameters) {
			return true
		}
	}
	return false
}

// match finds the route of path (the part after the prefix, no leading
// slash) and its parameters.
func (s *spec) match(path string) (*route, map[string]string) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	for i := range s.routes {
		r := &s.routes[i]
		params := map[string]string{}
		ok := true
		k := 0
		for j, seg := range r.segs {
			if k >= len(parts) {
				ok = false
				break
			}
			switch {
			case seg.literal != "":
				if parts[k] != seg.literal {
					ok = false
				}
				k++
			case seg.greedy && j == len(r.segs)-1:
				params[seg.param] = strings.Join(parts[k:], "/")
				k = len(parts)
			default:
				if parts[k] == "" {
					ok = false
				}
				params[seg.param] = parts[k]
				k++
			}
			if !ok {
				break
			}
		}
		if ok && k == len(parts) {
			return r, params
		}
	}
	return nil, nil
}

// validate checks req against the description and returns its operation.
func (s *spec) validate(req *http.Request, path string) (*openapi3.Operation, error) {
	r, params := s.match(path)
	if r == nil {
		return nil, fmt.Errorf("no path of the GitHub OpenAPI description matches %s /%s", req.Method, path)
	}
	op := r.item.GetOperation(req.Method)
	if op == nil {
		return nil, fmt.Errorf("%s is not an operation of %s in the GitHub OpenAPI description", req.Method, r.template)
	}
	var declared []string
	for _, ps := range []openapi3.Parameters{r.item.Parameters, op.Parameters} {
		for _, p := range ps {
			if p.Value != nil && p.Value.In == "query" {
				declared = append(declared, p.Value.Name)
			}
		}
	}
	for name := range req.URL.Query() {
		if !slices.Contains(declared, name) {
			return op, fmt.Errorf("%s %s: query parameter %q is not declared by %s (declared: %s)",
				req.Method, r.template, name, op.OperationID, strings.Join(declared, ", "))
		}
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      &routers.Route{Spec: s.doc, Path: r.template, PathItem: r.item, Method: req.Method, Operation: op},
		Options: &openapi3filter.Options{
			AuthenticationFunc:                openapi3filter.NoopAuthenticationFunc,
			RejectWhenRequestBodyNotSpecified: true,
			SkipSettingDefaults:               true,
			MultiError:                        true,
		},
	}
	if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
		return op, fmt.Errorf("%s %s (%s) does not match GitHub's OpenAPI description: %s",
			req.Method, r.template, op.OperationID, strings.ReplaceAll(err.Error(), "\n", " "))
	}
	return op, nil
}
