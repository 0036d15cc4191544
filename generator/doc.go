// Package generator renders one readable, standalone pytest file per
// (architecture, hardware) pair from a hierarchy of Go text/templates.
//
// # The hierarchy
//
// Every file starts from base.py.tmpl, which declares the blocks a test is made
// of ([RequiredBlocks]: header, imports, constants, device_setup, memory,
// config, model_build, inputs, placement, optimize, forward, run, tolerance,
// compare, validate, teardown, entrypoints), each holding the Python functions
// of one stage that hwcov_harness.harness.execute calls.
// Later layers redefine blocks with {{define "name"}}...{{end}}; the last
// definition wins. A file's chain is, in order:
//
//	base.py.tmpl                                  always
//	modality/<category>.py.tmpl                   when present
//	modality/<category>_<hardware>.py.tmpl        when present
//	family/<model_type>.py.tmpl                   when present
//	hardware/<platform_key>.py.tmpl               else hardware/<backend_type>.py.tmpl
//
// which is the guide's selection (a dedicated architecture template, else the
// category x hardware one, else the category one, else base) with the
// hardware layer applied on top. [Generator.Chain] returns it, naming where each
// file came from: the embedded defaults or the user's templates directory,
// where a file with the same relative name wins ([Options.TemplatesDir],
// written by [InitTemplates]).
//
// # What a template sees
//
// Templates execute against [Data] and may call the functions in [Funcs]: py
// renders a Go value as a Python literal (True/False/None, sorted dict keys),
// pyfmt does the same one entry per line when it is long, ident makes a Python
// identifier.
//
// Parsed chains are cached, so rendering every architecture for one platform
// parses each distinct chain once. Errors in a template are [*TemplateError]
// values that name the file and line ("family/whisper.py.tmpl:12: ..."); a
// chain that lacks a required block is a [*MissingBlockError].
//
// templates/README.md (written by [InitTemplates] with the templates) is the
// guide for template authors.
package generator
