package action

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sethvargo/go-githubactions"
)

// InputNames are the inputs of action.yml, in its order. The composite step
// passes each one as INPUT_<NAME> with dashes turned into underscores.
var InputNames = []string{
	"command", "args", "models", "category", "priority", "hardware", "shards", "max-shard-minutes",
	"budget-minutes", "base-ref", "schedule", "which", "plan", "shard-id", "db", "files", "junit",
	"fail-on-error", "python", "binary", "hwcov-version", "go-version",
}

// OutputNames are the outputs of action.yml.
var OutputNames = []string{"matrix", "has-tests", "plan", "db", "summary", "failures", "infra-errors", "pr"}

// EnvName is the variable an input travels in: INPUT_SHARD_ID for shard-id.
func EnvName(input string) string {
	return "INPUT_" + strings.ToUpper(strings.ReplaceAll(input, "-", "_"))
}

// Inputs are the action's inputs, read and checked.
type Inputs struct {
	Command         []string // "plan", or "hardware detect"
	Args            []string // `args`, split
	Models          string
	Category        string
	Priority        string
	Hardware        string
	Shards          string
	MaxShardMinutes string
	BudgetMinutes   string
	BaseRef         string
	Schedule        string
	Which           string
	Plan            string
	ShardID         string
	DB              string
	Files           []string
	JUnit           string
	FailOnError     bool
	Python          string
}

// InputError is a wrong input: its name and what is wrong.
type InputError struct {
	Input string
	Msg   string
}

func (e *InputError) Error() string { return fmt.Sprintf("input %q: %s", e.Input, e.Msg) }

// ReadInputs reads the inputs from the environment gha was made with.
func ReadInputs(gha *githubactions.Action) (Inputs, error) {
	get := func(name string) string { return gha.GetInput(strings.ReplaceAll(name, "-", "_")) }
	var in Inputs
	in.Command = strings.Fields(get("command"))
	if len(in.Command) == 0 {
		return in, &InputError{"command", "required: plan, run, merge, report, or another hwcov command"}
	}
	for _, w := range in.Command {
		if strings.HasPrefix(w, "-") {
			return in, &InputError{"command", fmt.Sprintf("%q is a flag; put flags in args", w)}
		}
	}
	var err error
	if in.Args, err = SplitArgs(get("args")); err != nil {
		return in, &InputError{"args", err.Error()}
	}
	in.Models, in.Category, in.Priority, in.Hardware = get("models"), get("category"), get("priority"), get("hardware")
	in.Shards, in.MaxShardMinutes, in.BudgetMinutes = get("shards"), get("max-shard-minutes"), get("budget-minutes")
	for name, v := range map[string]string{"shards": in.Shards, "max-shard-minutes": in.MaxShardMinutes, "budget-minutes": in.BudgetMinutes} {
		if v != "" && !isNumber(v) {
			return in, &InputError{name, fmt.Sprintf("%q is not a number", v)}
		}
	}
	in.BaseRef, in.Schedule, in.Which = get("base-ref"), get("schedule"), get("which")
	in.Plan, in.ShardID, in.DB, in.JUnit, in.Python = get("plan"), get("shard-id"), get("db"), get("junit"), get("python")
	in.Files = strings.Fields(get("files"))
	switch v := strings.ToLower(get("fail-on-error")); v {
	case "", "false":
	case "true":
		in.FailOnError = true
	default:
		return in, &InputError{"fail-on-error", fmt.Sprintf("%q is not true or false", v)}
	}
	return in, nil
}

func isNumber(s string) bool {
	dot := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case r == '.' && !dot && i > 0:
			dot = true
		default:
			return false
		}
	}
	return s != ""
}

// SplitArgs splits s into words the way a POSIX shell would, without any
// expansion: blanks and new lines separate words, single quotes keep
// everything, double quotes keep everything but \" and \\, and a backslash
// outside quotes escapes the next character.
func SplitArgs(s string) ([]string, error) {
	var (
		words   []string
		cur     strings.Builder
		inWord  bool
		quote   rune
		escaped bool
	)
	for _, r := range s {
		switch {
		case escaped:
			if quote == '"' && r != '"' && r != '\\' {
				cur.WriteRune('\\')
			}
			cur.WriteRune(r)
			escaped = false
		case r == '\\' && quote != '\'':
			escaped, inWord = true, true
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if escaped {
		return nil, errors.New("ends with a lone backslash")
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote", quote)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
