package workspace

import (
	"github.com/hwcov/hwcov/internal/adapters/store"
	"github.com/hwcov/hwcov/internal/hint"
)

// DBPath is the database a command's --db names, else hwcov.yaml's db.
func (w *Workspace) DBPath(path string) (string, error) {
	if path != "" {
		return path, nil
	}
	cfg, err := w.Config()
	if err != nil {
		return "", err
	}
	return cfg.DB, nil
}

// OpenDB opens the database path (else hwcov.yaml's) with errors a user can
// act on; readOnly opens it read-only, else it is created when missing.
func (w *Workspace) OpenDB(path string, readOnly bool) (*store.DB, error) {
	path, err := w.DBPath(path)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(path, store.Options{ReadOnly: readOnly, Create: !readOnly})
	if err != nil {
		return nil, hint.DB(path, "", err)
	}
	return db, nil
}

// OpenFingerprintDB opens the database writable when it can (to store the
// fingerprints it lacks), else read-only; done closes it.
func (w *Workspace) OpenFingerprintDB(path string) (db *store.DB, done func(), err error) {
	path, err = w.DBPath(path)
	if err != nil {
		return nil, nil, err
	}
	db, done, err = store.OpenWritableOrRead(path)
	if err != nil {
		return nil, nil, hint.DB(path, "", err)
	}
	return db, done, nil
}
