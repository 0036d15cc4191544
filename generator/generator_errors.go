package generator

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// TemplateError is a parse or execution error in one template file, located
// by its relative name and line: "family/whisper.py.tmpl:12: ...".
type TemplateError struct {
	Name   string // relative template name, e.g. family/whisper.py.tmpl
	Line   int    // 1-based; 0 when unknown
	Source string // "embedded" or the user templates directory
	Msg    string // what went wrong, without the location
	Err    error  // the text/template error
}

func (e *TemplateError) Error() string {
	loc := e.Name
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	where := ""
	if e.Source != "" && e.Source != EmbeddedSource {
		where = " (in " + filepath.Join(e.Source, filepath.FromSlash(e.Name)) + ")"
	} else if e.Source == EmbeddedSource {
		where = " (embedded)"
	}
	return loc + ": " + e.Msg + where
}

func (e *TemplateError) Unwrap() error { return e.Err }

// MissingBlockError says that a chain defines none of a required block.
type MissingBlockError struct {
	Block string
	Chain []Layer
}

func (e *MissingBlockError) Error() string {
	names := make([]string, len(e.Chain))
	for i, l := range e.Chain {
		names[i] = l.String()
	}
	return fmt.Sprintf("required block %q is not defined by any template of the chain %s; declare it in %s with {{block %q .}}...{{end}}",
		e.Block, strings.Join(names, " > "), BaseTemplate, e.Block)
}

// text/template errors read "template: NAME:LINE: msg" (parse) or
// "template: NAME:LINE:COL: executing ... : msg" (exec).
var templateErrRe = regexp.MustCompile(`^template: ([^:]+):(\d+)(?::\d+)?: (.*)$`)

// templateError turns a text/template error into a *TemplateError naming the
// template file of chain and the line.
func templateError(err error, chain []Layer) error {
	var te *TemplateError
	if err == nil || errors.As(err, &te) {
		return err
	}
	m := templateErrRe.FindStringSubmatch(strings.SplitN(err.Error(), "\n", 2)[0])
	if m == nil {
		return err
	}
	line, _ := strconv.Atoi(m[2])
	out := &TemplateError{Name: m[1], Line: line, Msg: m[3], Err: err}
	for _, l := range chain {
		if l.Name == m[1] {
			out.Source = l.Source
		}
	}
	return out
}
