package schedule

import (
	"errors"
	"io/fs"
	"os"

	"github.com/hwcov/hwcov/internal/hwerr"
)

// ReadFile reads and parses a schedule file; errors name the field.
func ReadFile(path string) (*Schedule, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, hwerr.Usagef("hwcov workflow schedule --output "+path, "schedule file %q does not exist", path)
	}
	if err != nil {
		return nil, err
	}
	s, err := Parse(data)
	if err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return nil, hwerr.Usagef(fe.Hint, "%s: %v", path, err)
		}
		return nil, err
	}
	return s, nil
}

// MustMarshal is Marshal for a schedule made of strings and bools only.
func (s *Schedule) MustMarshal() []byte {
	b, err := s.Marshal()
	if err != nil {
		panic(err) // strings and bools only
	}
	return b
}
