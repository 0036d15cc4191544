package schedule

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Schedule is a parsed schedule file: its entries in file order.
type Schedule struct {
	Entries []Entry
}

// Entry is one scheduled test run, e.g. "weekly_tests".
type Entry struct {
	Name              string   // the key in the file, e.g. "daily_tests"
	ModelSubset       string   // all, high_priority, key, category:C, models:a,b, top:N, file:PATH
	Hardware          []string // platform keys; nil when AllHardware
	AllHardware       bool     // "hardware_platforms": "all"
	RunTime           string   // as written, e.g. "Saturday 02:00"
	NotificationEmail string   // recorded; hwcov sends no mail (see docs/ci.md)
	GenerateReport    bool
	UpdateDashboard   bool
	When              When // RunTime parsed
}

// FieldError is a schedule file mistake: the field (entry.key) and what is wrong.
type FieldError struct {
	Field string // "weekly_tests.run_time"; empty for the whole file
	Msg   string
	Hint  string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return "schedule: " + e.Msg
	}
	return fmt.Sprintf("schedule: field %q: %s", e.Field, e.Msg)
}

func fieldErr(field, hint, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// rawEntry is an entry as written; unknown keys are refused.
type rawEntry struct {
	ModelSubset       *string         `json:"model_subset"`
	HardwarePlatforms json.RawMessage `json:"hardware_platforms"`
	RunTime           *string         `json:"run_time"`
	NotificationEmail *string         `json:"notification_email"`
	GenerateReport    *bool           `json:"generate_report"`
	UpdateDashboard   *bool           `json:"update_dashboard"`
}

var (
	nameRE     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
	platformRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	emailRE    = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// subsetForms lists the model_subset values, for hints.
const subsetForms = `"all", "high_priority", "key", "category:vision", "models:bert,vit", "top:50" or "file:model_subsets/x.txt"`

// Parse reads a schedule file strictly: a JSON object of entries, each with
// model_subset, hardware_platforms and run_time, and optionally
// notification_email, generate_report and update_dashboard. Any other key, a
// wrong type, a bad run_time or two entries at the same time is a *FieldError
// naming the field.
func Parse(data []byte) (*Schedule, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, fieldErr("", `write {"daily_tests": {...}} (hwcov workflow schedule --output schedule.json)`, "not JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fieldErr("", `write {"daily_tests": {...}} (hwcov workflow schedule --output schedule.json)`, "want a JSON object of schedule entries")
	}
	s := &Schedule{}
	seen := map[string]bool{}
	crons := map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fieldErr("", "check the JSON syntax", "not JSON: %v", err)
		}
		name := tok.(string) // object keys are strings
		if !nameRE.MatchString(name) {
			return nil, fieldErr(name, "name entries like daily_tests (letters, digits, _ and -)", "entry name must be letters, digits, _ and -")
		}
		if seen[name] {
			return nil, fieldErr(name, "give each entry its own name", "entry appears twice")
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fieldErr(name, "check the JSON syntax", "not JSON: %v", err)
		}
		e, err := parseEntry(name, raw)
		if err != nil {
			return nil, err
		}
		cron := e.When.Cron()
		if other, ok := crons[cron]; ok {
			return nil, fieldErr(name+".run_time", "give each entry its own run_time", "%q is the same time as %s", e.RunTime, other)
		}
		crons[cron] = name
		s.Entries = append(s.Entries, e)
	}
	if _, err := dec.Token(); err != nil {
		return nil, fieldErr("", "check the JSON syntax", "not JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fieldErr("", "keep one JSON object in the file", "text after the schedule object")
	}
	if len(s.Entries) == 0 {
		return nil, fieldErr("", "hwcov workflow schedule --output schedule.json writes an example", "no entries")
	}
	return s, nil
}

func parseEntry(name string, raw json.RawMessage) (Entry, error) {
	var r rawEntry
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Entry{}, decodeError(name, err)
	}
	e := Entry{Name: name}
	if r.ModelSubset == nil {
		return e, fieldErr(name+".model_subset", subsetForms, "missing")
	}
	e.ModelSubset = strings.TrimSpace(*r.ModelSubset)
	if _, err := SubsetFlags(e.ModelSubset); err != nil {
		return e, fieldErr(name+".model_subset", subsetForms, "%v", err)
	}
	if len(r.HardwarePlatforms) == 0 {
		return e, fieldErr(name+".hardware_platforms", `["cpu", "cuda"] or "all"`, "missing")
	}
	hw, all, err := parseHardware(r.HardwarePlatforms)
	if err != nil {
		return e, fieldErr(name+".hardware_platforms", `["cpu", "cuda"] or "all"`, "%v", err)
	}
	e.Hardware, e.AllHardware = hw, all
	if r.RunTime == nil {
		return e, fieldErr(name+".run_time", runTimeHint, "missing")
	}
	e.RunTime = *r.RunTime
	if e.When, err = ParseRunTime(e.RunTime); err != nil {
		return e, fieldErr(name+".run_time", runTimeHint, "%v", err)
	}
	if r.NotificationEmail != nil {
		e.NotificationEmail = strings.TrimSpace(*r.NotificationEmail)
		if e.NotificationEmail != "" && !emailRE.MatchString(e.NotificationEmail) {
			return e, fieldErr(name+".notification_email", `"ml-alerts@example.com"`, "%q is not an email address", e.NotificationEmail)
		}
	}
	e.GenerateReport = r.GenerateReport != nil && *r.GenerateReport
	e.UpdateDashboard = r.UpdateDashboard != nil && *r.UpdateDashboard
	return e, nil
}

// decodeError names the field of a JSON decoding error.
func decodeError(entry string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return fieldErr(entry, `{"model_subset": "all", "hardware_platforms": ["cpu"], "run_time": "01:00"}`, "want an object, got %s", te.Value)
		}
		return fieldErr(entry+"."+te.Field, "see docs/ci.md#schedules", "want %s, got %s", jsonType(te.Type.Kind().String()), te.Value)
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return fieldErr(entry+"."+strings.Trim(f, `"`), "the fields are model_subset, hardware_platforms, run_time, notification_email, generate_report, update_dashboard", "unknown field")
	}
	return fieldErr(entry, "check the JSON syntax", "%v", err)
}

func jsonType(kind string) string {
	switch kind {
	case "ptr", "string":
		return "a string"
	case "bool":
		return "true or false"
	}
	return kind
}

func parseHardware(raw json.RawMessage) ([]string, bool, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if s == "all" {
			return nil, true, nil
		}
		return nil, false, fmt.Errorf("%q: want a list of platforms or \"all\"", s)
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, false, fmt.Errorf("want a list of platforms or \"all\", got %s", strings.TrimSpace(string(raw)))
	}
	if len(list) == 0 {
		return nil, false, errors.New("empty list")
	}
	seen := map[string]bool{}
	for _, p := range list {
		if p == "all" {
			return nil, false, errors.New(`"all" goes alone, as a string`)
		}
		if !platformRE.MatchString(p) {
			return nil, false, fmt.Errorf("%q is not a platform key", p)
		}
		if seen[p] {
			return nil, false, fmt.Errorf("%q appears twice", p)
		}
		seen[p] = true
	}
	return list, false, nil
}

// SubsetFlags turns a model_subset into the model selection flags every hwcov
// command takes.
func SubsetFlags(subset string) ([]string, error) {
	kind, arg, hasArg := strings.Cut(subset, ":")
	arg = strings.TrimSpace(arg)
	if hasArg && arg == "" {
		return nil, fmt.Errorf("%q: nothing after %q", subset, kind+":")
	}
	switch {
	case subset == "all" || subset == "all_models":
		return []string{"--all-models"}, nil
	case subset == "high_priority" || subset == "high":
		return []string{"--priority", "high"}, nil
	case subset == "key" || subset == "key_models":
		return []string{"--priority", "key"}, nil
	case hasArg && kind == "category":
		return []string{"--category", arg}, nil
	case hasArg && kind == "models":
		return []string{"--models", arg}, nil
	case hasArg && kind == "file":
		return []string{"--models-file", arg}, nil
	case hasArg && kind == "top":
		n, err := strconv.Atoi(arg)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q: want top:N with N >= 1", subset)
		}
		return []string{"--top", arg}, nil
	}
	return nil, fmt.Errorf("%q is not a model subset", subset)
}

// Flags are the model selection and --hardware flags that run this entry.
func (e Entry) Flags() []string {
	flags, _ := SubsetFlags(e.ModelSubset) // validated by Parse
	return append(flags, "--hardware", e.HardwareArg())
}

// HardwareArg is the --hardware value: "cpu,cuda" or "all".
func (e Entry) HardwareArg() string {
	if e.AllHardware {
		return "all"
	}
	return strings.Join(e.Hardware, ",")
}

// Short is the entry's name without a trailing "_tests": "daily" for "daily_tests".
func (e Entry) Short() string { return strings.TrimSuffix(e.Name, "_tests") }
