package botpr

import "github.com/hwcov/hwcov/internal/hwerr"

// ReadRequest checks `hwcov patch pr`'s values and reads the proposals
// files inputs.
func ReadRequest(inputs []string, maxOpen int) (Input, error) {
	if len(inputs) == 0 {
		return Input{}, hwerr.Usagef("hwcov patch pr --input proposals.json", "--input is required")
	}
	if maxOpen < 1 {
		return Input{}, hwerr.Usagef("--max-open 5", "--max-open %d: want at least 1", maxOpen)
	}
	in, err := ReadInputs(inputs)
	if err != nil {
		return Input{}, hwerr.Usagef("hwcov patch verify writes the proposals; docs/patch-pr.md has the format", "%v", err)
	}
	return in, nil
}
