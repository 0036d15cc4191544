package schedule

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Default is the guide's example schedule: high-priority models on cpu and
// cuda daily at 01:00 UTC, every model on cpu, cuda, rocm and openvino on
// Saturdays at 02:00, every model on every platform on the 1st at 03:00.
func Default(email string) *Schedule {
	if email == "" {
		email = "ml-alerts@example.com"
	}
	mk := func(name, subset string, hw []string, all bool, runTime string, report, dashboard bool) Entry {
		w, err := ParseRunTime(runTime)
		if err != nil {
			panic(err) // constant input
		}
		return Entry{Name: name, ModelSubset: subset, Hardware: hw, AllHardware: all, RunTime: runTime,
			NotificationEmail: email, GenerateReport: report, UpdateDashboard: dashboard, When: w}
	}
	return &Schedule{Entries: []Entry{
		mk("daily_tests", "high_priority", []string{"cpu", "cuda"}, false, "01:00", false, false),
		mk("weekly_tests", "all", []string{"cpu", "cuda", "rocm", "openvino"}, false, "Saturday 02:00", true, false),
		mk("monthly_tests", "all", nil, true, "1st 03:00", true, true),
	}}
}

// Marshal writes s in the guide's format, entries in order, two-space indented.
func (s *Schedule) Marshal() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, e := range s.Entries {
		m := []kv{{"model_subset", e.ModelSubset}}
		if e.AllHardware {
			m = append(m, kv{"hardware_platforms", "all"})
		} else {
			m = append(m, kv{"hardware_platforms", e.Hardware})
		}
		m = append(m, kv{"run_time", e.RunTime})
		if e.NotificationEmail != "" {
			m = append(m, kv{"notification_email", e.NotificationEmail})
		}
		if e.GenerateReport {
			m = append(m, kv{"generate_report", true})
		}
		if e.UpdateDashboard {
			m = append(m, kv{"update_dashboard", true})
		}
		name, _ := json.Marshal(e.Name)
		fmt.Fprintf(&b, "  %s: {\n", name)
		for j, f := range m {
			v, err := marshalValue(f.v)
			if err != nil {
				return nil, err
			}
			comma := ","
			if j == len(m)-1 {
				comma = ""
			}
			fmt.Fprintf(&b, "    %q: %s%s\n", f.k, v, comma)
		}
		comma := ","
		if i == len(s.Entries)-1 {
			comma = ""
		}
		fmt.Fprintf(&b, "  }%s\n", comma)
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}

type kv struct {
	k string
	v any
}

// marshalValue writes a value on one line, list items separated by ", ".
func marshalValue(v any) (string, error) {
	if list, ok := v.([]string); ok {
		parts := make([]string, len(list))
		for i, x := range list {
			b, _ := json.Marshal(x)
			parts[i] = string(b)
		}
		return "[" + strings.Join(parts, ", ") + "]", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("marshal schedule: %w", err)
	}
	return string(b), nil
}
