package workflows

import (
	"bytes"
	"embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/hwcov/hwcov/internal/schedule"
)

// Defaults for the references a rendered workflow uses.
const (
	DefaultAction   = "hwcov/hwcov@v0"
	DefaultWorkflow = "hwcov/hwcov/.github/workflows/hwcov.yml@v0"
	DefaultName     = "hwcov"
	DefaultRunner   = "ubuntu-latest"
)

// Embedded defaults: the reusable workflow and the comment workflow, as
// rendered by Reusable and Comment with default options.
//
//go:embed hwcov.yml hwcov-comment.yml hwcov-patch.yml
var embedded embed.FS

//go:embed templates/*.tmpl
var templateFS embed.FS

// Names of the embedded workflows, for `hwcov workflow show`.
var Names = []string{"hwcov.yml", "hwcov-comment.yml", "hwcov-patch.yml"}

// Embedded returns an embedded workflow by file name.
func Embedded(name string) ([]byte, error) {
	b, err := embedded.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("no embedded workflow %q (one of %s)", name, strings.Join(Names, ", "))
	}
	return b, nil
}

var tmpl = template.Must(template.New("").Funcs(template.FuncMap{"with_": renderWith, "yaml": yamlString}).ParseFS(templateFS, "templates/*.tmpl"))

// Style is the shape of a caller workflow.
type Style string

// The caller styles.
const (
	// Standalone holds the plan, test and report jobs itself and uses the
	// action; nothing but the action is fetched from hwcov.
	Standalone Style = "standalone"
	// Reusable is one job that calls hwcov's reusable workflow.
	Reusable Style = "reusable"
)

// CallerOptions configure a caller workflow. Empty fields take defaults.
type CallerOptions struct {
	Name            string // workflow name, default "hwcov" (the comment workflow refers to it)
	Style           Style  // default Standalone
	Action          string // the action the jobs use, default DefaultAction ("./" in the hwcov repo itself)
	Workflow        string // the reusable workflow, default DefaultWorkflow
	Runner          string // label of the plan and report jobs, default ubuntu-latest
	Priority        string // default "high" when no Models/Category
	Models          string
	Category        string
	Hardware        string // default "cpu"
	Shards          int
	MaxShardMinutes float64
	BudgetMinutes   float64
	RunArgs         string
	Python          string
	Binary          string // a prebuilt hwcov on the runners
	FailOnError     bool
	TimeoutMinutes  int // of each test job, default 360

	// Schedule adds its entries as cron triggers and runs the entry whose
	// cron fired; SchedulePath is where the workflow finds the file (relative
	// to the repository root).
	Schedule     *schedule.Schedule
	SchedulePath string

	// Pages keeps a history of the default branch's runs (the hwcov-history
	// artifact), writes the dashboard from it in every report job (the
	// hwcov-dashboard artifact, linked from the pull request comment) and
	// publishes it to GitHub Pages on the scheduled runs.
	Pages bool

	// Command is the command line to mention in the header.
	Command string
}

// OptionsError is a wrong CallerOptions field.
type OptionsError struct {
	Field, Msg string
}

func (e *OptionsError) Error() string { return "workflow: " + e.Field + ": " + e.Msg }

// kv is one `with:` entry; Value is YAML-ready.
type kv struct{ Key, Value string }

// data is what the templates read.
type data struct {
	CallerOptions
	Reusable                                 bool
	Self                                     string
	ControlRunsOn                            string
	TimeoutMinutes                           string
	Notify                                   []string
	PlanWith, RunWith, MergeWith, ReportWith []kv
	BaselineWith, CompareWith, CommentWith   []kv
	HistoryWith                              []kv
	CallWith                                 []kv
	DashHistoryWith, DashMergeWith           []kv
	DashboardWith                            []kv
}

// expr is a GitHub expression.
func expr(s string) string { return "${{ " + s + " }}" }

// Reusable renders the reusable workflow (workflows/hwcov.yml): the jobs take
// every value from the workflow_call inputs. self is how its header says to
// call it.
func RenderReusable(action, self string) ([]byte, error) {
	if action == "" {
		action = DefaultAction
	}
	if self == "" {
		self = DefaultWorkflow
	}
	in := func(name string) string { return expr("inputs." + name) }
	d := data{
		CallerOptions: CallerOptions{Action: action},
		Reusable:      true, Self: self,
		ControlRunsOn:  in("runner"),
		TimeoutMinutes: in("timeout-minutes"),
		PlanWith: []kv{
			{"command", "plan"},
			{"priority", in("priority")},
			{"models", in("models")},
			{"category", in("category")},
			{"hardware", in("hardware")},
			{"shards", expr("inputs.shards > 0 && inputs.shards || ''")},
			{"max-shard-minutes", expr("inputs.max-shard-minutes > 0 && inputs.max-shard-minutes || ''")},
			{"budget-minutes", expr("inputs.budget-minutes > 0 && inputs.budget-minutes || ''")},
			{"base-ref", expr("github.base_ref && format('origin/{0}', github.base_ref) || ''")},
			{"db", historyDB},
			{"schedule", expr("(github.event_name == 'schedule' || inputs.schedule-entry != '') && inputs.schedule || ''")},
			{"which", expr("github.event.schedule || inputs.schedule-entry")},
			{"binary", in("binary")},
		},
		RunWith:    runWith(in("run-args"), in("python"), in("binary")),
		MergeWith:  mergeWith(in("binary")),
		ReportWith: reportWith(in("fail-on-error"), in("binary")),
	}
	d.BaselineWith, d.CompareWith, d.CommentWith = compareWith(in("binary"))
	d.HistoryWith = historyWith(in("binary"))
	return render("reusable.yml.tmpl", d)
}

func runWith(args, python, binary string) []kv {
	return []kv{
		{"command", "run"},
		{"plan", "hwcov-plan.json"},
		{"shard-id", expr("matrix.id")},
		{"db", "hwcov-shard.duckdb"},
		{"junit", "hwcov-junit.xml"},
		{"args", args},
		{"python", python},
		{"binary", binary},
	}
}

func mergeWith(binary string) []kv {
	return []kv{{"command", "merge"}, {"db", "hwcov.duckdb"}, {"files", "hwcov-shards"}, {"plan", "hwcov-plan.json"}, {"binary", binary}}
}

func reportWith(failOnError, binary string) []kv {
	return []kv{{"command", "report"}, {"db", "hwcov.duckdb"}, {"fail-on-error", failOnError}, {"binary", binary}}
}

// The base branch's database is hwcov.duckdb of the newest successful
// hwcov-report artifact of the base branch (push runs of this workflow);
// this run's copy of it goes into its own hwcov-report as hwcov-base.duckdb.
const (
	baselineArgs = "--artifact hwcov-report --file hwcov.duckdb --out hwcov-base.duckdb"
	compareArgs  = "--base hwcov-base.duckdb --head hwcov.duckdb"
	// The comment never fails the step: the compare step applies the policy.
	commentArgs = "--base hwcov-base.duckdb --head hwcov.duckdb --fail-on none"
)

// The plan job reads the base branch's results (the same hwcov-report
// artifact the report job compares with) as its history: test durations
// balance the shards, and the newest run's failures are what --priority
// high picks as "failed in the last run". On push and schedule runs the
// base is the default branch's newest run.
const historyArgs = "--artifact hwcov-report --file hwcov.duckdb --out hwcov-history.duckdb --branch "

// historyDB is the plan's db input: the fetched history, when the fetch
// step (which may fail without failing the job) succeeded.
var historyDB = expr("steps.history.outcome == 'success' && 'hwcov-history.duckdb' || ''")

// historyWith are the inputs of the plan job's history fetch.
func historyWith(binary string) []kv {
	branch := expr("github.base_ref || github.event.repository.default_branch")
	return []kv{{"command", yamlString("baseline fetch")}, {"args", yamlString(historyArgs + branch)}, {"binary", binary}}
}

// compareWith are the inputs of the baseline fetch, compare and comment
// steps of the report job.
func compareWith(binary string) (baseline, cmp, comment []kv) {
	return step(yamlString("baseline fetch"), yamlString(baselineArgs), binary), step("compare", yamlString(compareArgs), binary),
		step("comment", yamlString(commentArgs), binary)
}

// RenderCaller renders the workflow `hwcov workflow generate` writes.
func RenderCaller(o CallerOptions) ([]byte, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	d := data{CallerOptions: o, Reusable: o.Style == Reusable, ControlRunsOn: yamlString(o.Runner),
		TimeoutMinutes: strconv.Itoa(o.TimeoutMinutes)}
	num := func(f float64) string {
		if f <= 0 {
			return ""
		}
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	shards := ""
	if o.Shards > 0 {
		shards = strconv.Itoa(o.Shards)
	}
	schedPath, which := "", ""
	if o.Schedule != nil {
		schedPath = expr("(github.event_name == 'schedule' || inputs.entry != '') && " + exprString(o.SchedulePath) + " || ''")
		which = expr("github.event.schedule || inputs.entry")
		notify := map[string]bool{}
		for _, e := range o.Schedule.Entries {
			if e.NotificationEmail != "" && !notify[e.NotificationEmail] {
				notify[e.NotificationEmail] = true
				d.Notify = append(d.Notify, e.NotificationEmail)
			}
		}
		sort.Strings(d.Notify)
	}
	failOnError := ""
	if o.FailOnError {
		failOnError = "true"
	}
	if d.Reusable {
		d.CallWith = nonEmpty([]kv{
			{"priority", yamlString(o.Priority)},
			{"models", yamlString(o.Models)},
			{"category", yamlString(o.Category)},
			{"hardware", yamlString(o.Hardware)},
			{"shards", shards},
			{"max-shard-minutes", num(o.MaxShardMinutes)},
			{"budget-minutes", num(o.BudgetMinutes)},
			{"schedule", yamlString(o.SchedulePath)},
			{"schedule-entry", ifSchedule(o, expr("inputs.entry"))},
			{"run-args", yamlString(o.RunArgs)},
			{"python", yamlString(o.Python)},
			{"binary", yamlString(o.Binary)},
			{"fail-on-error", failOnError},
			{"runner", ifNot(o.Runner, DefaultRunner)},
			{"timeout-minutes", ifNot(strconv.Itoa(o.TimeoutMinutes), "360")},
		})
		return render("caller.yml.tmpl", d)
	}
	d.PlanWith = nonEmpty([]kv{
		{"command", "plan"},
		{"priority", yamlString(o.Priority)},
		{"models", yamlString(o.Models)},
		{"category", yamlString(o.Category)},
		{"hardware", yamlString(o.Hardware)},
		{"shards", shards},
		{"max-shard-minutes", num(o.MaxShardMinutes)},
		{"budget-minutes", num(o.BudgetMinutes)},
		{"base-ref", expr("github.base_ref && format('origin/{0}', github.base_ref) || ''")},
		{"db", historyDB},
		{"schedule", schedPath},
		{"which", which},
		{"binary", yamlString(o.Binary)},
	})
	d.RunWith = nonEmpty(runWith(yamlString(o.RunArgs), yamlString(o.Python), yamlString(o.Binary)))
	d.MergeWith = nonEmpty(mergeWith(yamlString(o.Binary)))
	d.ReportWith = nonEmpty(reportWith(failOnError, yamlString(o.Binary)))
	b, c, m := compareWith(yamlString(o.Binary))
	d.BaselineWith, d.CompareWith, d.CommentWith = nonEmpty(b), nonEmpty(c), nonEmpty(m)
	d.HistoryWith = nonEmpty(historyWith(yamlString(o.Binary)))
	if o.Pages {
		d.DashHistoryWith, d.DashMergeWith, d.DashboardWith = dashboardWith(yamlString(o.Binary))
		d.CommentWith = nonEmpty(step("comment", yamlString(commentArgs+" --dashboard-url "+expr("steps.dashboard.outputs.artifact-url")), yamlString(o.Binary)))
	}
	return render("caller.yml.tmpl", d)
}

// The dashboard's history is hwcov-history.duckdb of the newest
// hwcov-history artifact of the default branch, with this run merged in;
// pull requests read it but never upload theirs.
const dashHistoryArgs = "--artifact hwcov-history --file hwcov-history.duckdb --out hwcov-history.duckdb --branch "

// dashboardWith are the inputs of the report job's dashboard steps: fetch
// the history, merge this run into it, write the page.
func dashboardWith(binary string) (history, merge, dashboard []kv) {
	branch := expr("github.event.repository.default_branch")
	return nonEmpty(step(yamlString("baseline fetch"), yamlString(dashHistoryArgs+branch), binary)),
		nonEmpty([]kv{{"command", "merge"}, {"db", "hwcov-history.duckdb"}, {"files", "hwcov.duckdb"}, {"binary", binary}}),
		nonEmpty(step(yamlString("report dashboard"), yamlString("--db hwcov-history.duckdb --out hwcov-dashboard"), binary))
}

// step are the inputs of a step that runs one hwcov command with args.
func step(command, args, binary string) []kv {
	return []kv{{"command", command}, {"args", args}, {"binary", binary}}
}

// RenderComment renders the workflow_run workflow that comments on pull
// requests; name is the caller workflow's name.
func RenderComment(name, action string) ([]byte, error) {
	return RenderCommentWith(CommentOptions{Name: name, Action: action})
}

// CommentOptions configure the comment workflow. Empty fields take the
// defaults of CallerOptions.
type CommentOptions struct {
	Name   string // the caller workflow's name, whose runs trigger it
	Action string
	Runner string // label of the comment job
	Binary string // a prebuilt hwcov on that runner
}

// RenderCommentWith renders the comment workflow with o.
func RenderCommentWith(o CommentOptions) ([]byte, error) {
	if o.Name == "" {
		o.Name = DefaultName
	}
	if o.Action == "" {
		o.Action = DefaultAction
	}
	if o.Runner == "" {
		o.Runner = DefaultRunner
	}
	if err := checkName(o.Name); err != nil {
		return nil, err
	}
	for field, v := range map[string]string{"action": o.Action, "runner": o.Runner} {
		if strings.ContainsAny(v, " \t\n\"'#{}$") {
			return nil, &OptionsError{field, fmt.Sprintf("%q is not a valid reference", v)}
		}
	}
	return render("comment.yml.tmpl", data{CallerOptions: CallerOptions{Name: o.Name, Action: o.Action, Binary: o.Binary},
		ControlRunsOn: yamlString(o.Runner)})
}

func ifSchedule(o CallerOptions, v string) string {
	if o.Schedule == nil {
		return ""
	}
	return v
}

func ifNot(v, def string) string {
	if v == def {
		return ""
	}
	return yamlString(v)
}

func nonEmpty(kvs []kv) []kv {
	var out []kv
	for _, e := range kvs {
		if e.Value != "" {
			out = append(out, e)
		}
	}
	return out
}

func (o *CallerOptions) defaults() error {
	if o.Name == "" {
		o.Name = DefaultName
	}
	if err := checkName(o.Name); err != nil {
		return err
	}
	switch o.Style {
	case "":
		o.Style = Standalone
	case Standalone, Reusable:
	default:
		return &OptionsError{"style", fmt.Sprintf("%q is not standalone or reusable", o.Style)}
	}
	if o.Action == "" {
		o.Action = DefaultAction
	}
	if o.Workflow == "" {
		o.Workflow = DefaultWorkflow
	}
	if o.Runner == "" {
		o.Runner = DefaultRunner
	}
	if o.Hardware == "" {
		o.Hardware = "cpu"
	}
	if o.Priority == "" && o.Models == "" && o.Category == "" {
		o.Priority = "high"
	}
	if o.TimeoutMinutes == 0 {
		o.TimeoutMinutes = 360
	}
	if o.TimeoutMinutes < 0 || o.Shards < 0 || o.MaxShardMinutes < 0 || o.BudgetMinutes < 0 {
		return &OptionsError{"shards", "shards, minutes and timeouts cannot be negative"}
	}
	for field, v := range map[string]string{"action": o.Action, "workflow": o.Workflow, "runner": o.Runner} {
		if v == "" || strings.ContainsAny(v, " \t\n\"'#{}$") {
			return &OptionsError{field, fmt.Sprintf("%q is not a valid reference", v)}
		}
	}
	if o.Schedule != nil && o.SchedulePath == "" {
		return &OptionsError{"schedule", "the schedule's path in the repository is needed"}
	}
	if o.Pages && o.Style == Reusable {
		return &OptionsError{"pages", "the dashboard's jobs are written with --style standalone"}
	}
	if o.Command == "" {
		o.Command = "hwcov workflow generate"
	}
	return nil
}

func checkName(name string) error {
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == ' ') {
			return &OptionsError{"name", fmt.Sprintf("%q: use letters, digits, spaces, - and _", name)}
		}
	}
	if strings.TrimSpace(name) == "" {
		return &OptionsError{"name", "empty"}
	}
	return nil
}

// yamlString quotes s as a YAML scalar when it needs quoting; "" stays "".
func yamlString(s string) string {
	if s == "" {
		return ""
	}
	plain := true
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./,@", r)
		if !ok || (i == 0 && strings.ContainsRune("-@,", r)) {
			plain = false
		}
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "~":
		plain = false
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		plain = false
	}
	if plain {
		return s
	}
	return strconv.Quote(s)
}

// exprString quotes s as a string literal of a GitHub expression.
func exprString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// renderWith writes a `with:` mapping indented by n spaces.
func renderWith(n int, kvs []kv) string {
	pad := strings.Repeat(" ", n)
	lines := make([]string, len(kvs))
	for i, e := range kvs {
		lines[i] = pad + e.Key + ": " + e.Value
	}
	return strings.Join(lines, "\n")
}

func render(name string, d data) ([]byte, error) {
	var b bytes.Buffer
	if err := tmpl.ExecuteTemplate(&b, name, d); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	out := b.Bytes()
	// Collapse runs of blank lines the conditionals leave.
	for bytes.Contains(out, []byte("\n\n\n")) {
		out = bytes.ReplaceAll(out, []byte("\n\n\n"), []byte("\n\n"))
	}
	return out, nil
}
