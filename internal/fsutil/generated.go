package fsutil

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// WriteFileDirs writes data to path atomically (mode 0644), creating its
// folder first.
func WriteFileDirs(path string, data []byte) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create %q: %w", dir, err)
		}
	}
	return WriteFileAtomic(path, data, 0o644)
}

// ErrDiffers is WriteGenerated's refusal to overwrite a file that differs.
var ErrDiffers = errors.New("exists and differs")

// WriteGenerated writes a generated file with WriteFileDirs unless it
// already holds data (written is false then). An existing file with other
// content is kept, with ErrDiffers, unless force.
func WriteGenerated(path string, data []byte, force bool) (written bool, err error) {
	old, err := os.ReadFile(path)
	switch {
	case err == nil && bytes.Equal(old, data):
		return false, nil
	case err == nil && !force:
		return false, fmt.Errorf("%s %w", path, ErrDiffers)
	}
	return true, WriteFileDirs(path, data)
}

// AppendFile appends text to path, creating it (the step summary and
// outputs files of GitHub Actions).
func AppendFile(path, text string) error {
	file, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := file.WriteString(text); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}
