package action

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hwcov/hwcov/internal/schedule"
)

// selection is how the inputs choose tests: the flags, and the schedule entry
// they came from, if any.
type selection struct {
	Flags []string
	Entry *schedule.Entry
	CI    bool // exactly --priority high: plan's CI mode
}

// selectTests turns models/category/priority/hardware, or a schedule entry,
// into CLI flags. A schedule entry wins over the other inputs.
func (r *runner) selectTests() (selection, error) {
	in := r.in
	if in.Schedule != "" {
		data, err := readFile("schedule", in.Schedule)
		if err != nil {
			return selection{}, err
		}
		s, err := schedule.Parse(data)
		if err != nil {
			var fe *schedule.FieldError
			if errors.As(err, &fe) {
				return selection{}, &InputError{"schedule", fmt.Sprintf("%s: %v (try: %s)", in.Schedule, err, fe.Hint)}
			}
			return selection{}, &InputError{"schedule", err.Error()}
		}
		e, err := s.Select(in.Which, r.o.Now())
		if err != nil {
			return selection{}, &InputError{"which", err.Error()}
		}
		if in.Models != "" || in.Category != "" || in.Priority != "" || in.Hardware != "" {
			r.gha.Noticef("schedule entry %s decides the models and hardware; models/category/priority/hardware are not used", e.Name)
		}
		return selection{Flags: e.Flags(), Entry: &e, CI: e.ModelSubset == "high_priority" || e.ModelSubset == "high"}, nil
	}
	var sel selection
	if in.Models != "" {
		sel.Flags = append(sel.Flags, "--models", in.Models)
	}
	if in.Category != "" {
		sel.Flags = append(sel.Flags, "--category", in.Category)
	}
	if in.Priority != "" && (in.Models != "" || in.Category != "") {
		r.gha.Noticef("models/category replace priority %q", in.Priority)
	} else if in.Priority != "" {
		sel.Flags = append(sel.Flags, "--priority", in.Priority)
		sel.CI = strings.EqualFold(in.Priority, "high")
	}
	if in.Hardware != "" {
		sel.Flags = append(sel.Flags, "--hardware", in.Hardware)
	}
	return sel, nil
}

// scheduleNote describes the schedule entry for the job summary.
func scheduleNote(e *schedule.Entry) string {
	if e == nil {
		return ""
	}
	s := fmt.Sprintf("Schedule entry `%s` (%s): `%s`.", e.Name, e.When, strings.Join(e.Flags(), " "))
	if e.NotificationEmail != "" {
		s += fmt.Sprintf(" Notification e-mail %s: hwcov sends no mail; GitHub notifies on failed scheduled runs (docs/ci.md).", e.NotificationEmail)
	}
	return s + "\n\n"
}
