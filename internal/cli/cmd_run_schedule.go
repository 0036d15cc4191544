package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hwcov/hwcov/internal/schedule"
)

// applySchedule is `hwcov run --schedule FILE [--which W]`: it reads the
// schedule, picks the entry named by which (a name like daily_tests or daily,
// a cron expression such as github.event.schedule, or a cadence) or else the
// entry due at f.Now() (UTC, within schedule.DefaultWindow of its run time),
// and sets the model selection and hardware from it. It refuses a model
// selection given beside --schedule. The caller prints or records the entry
// (e.g. runs the report when entry.GenerateReport). (guide: --run-scheduled-tests)
func applySchedule(f *Factory, models *ModelFlags, hardware *[]string, path, which string) (schedule.Entry, error) {
	if models.given() {
		return schedule.Entry{}, usagef("hwcov run --schedule "+path+" --which daily", "--schedule picks the models: drop --models/--category/--priority/...")
	}
	s, err := schedule.ReadFile(path)
	if err != nil {
		return schedule.Entry{}, err
	}
	e, err := s.Select(which, f.Now())
	var nd *schedule.NotDueError
	var ue *schedule.UnknownEntryError
	switch {
	case errors.As(err, &nd):
		return e, usagef("name the entry: --which "+nd.Next.Short(), "%v", err)
	case errors.As(err, &ue):
		return e, usagef("--which "+strings.Join(ue.Known, "|"), "%v", err)
	case err != nil:
		return e, err
	}
	if err := setSubset(models, e.ModelSubset); err != nil {
		return e, usagef("fix "+e.Name+".model_subset in "+path, "schedule: field %q: %v", e.Name+".model_subset", err)
	}
	*hardware = []string{e.HardwareArg()}
	if !e.AllHardware {
		*hardware = append([]string{}, e.Hardware...)
	}
	fmt.Fprintf(f.Err, "hwcov: schedule entry %s (%s): %s\n", e.Name, e.When, strings.Join(e.Flags(), " "))
	return e, nil
}

// setSubset sets the model flags for a schedule model_subset.
func setSubset(m *ModelFlags, subset string) error {
	flags, err := schedule.SubsetFlags(subset)
	if err != nil {
		return err
	}
	switch flags[0] {
	case "--all-models":
		m.AllModels = true
	case "--priority":
		m.Priority = flags[1]
	case "--category":
		m.Category = flags[1]
	case "--models":
		m.Models = strings.Split(flags[1], ",")
	case "--models-file":
		m.ModelsFile = flags[1]
	case "--top":
		m.Top, _ = strconv.Atoi(flags[1])
	default:
		return fmt.Errorf("%q is not a model subset", subset)
	}
	return nil
}
