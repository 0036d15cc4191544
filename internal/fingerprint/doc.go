// Package fingerprint normalises a failed result into a stable signature and
// groups results by it.
//
// A signature is the error message and the innermost frames of the
// traceback with everything that varies between otherwise identical failures
// replaced by a placeholder: numbers, shapes, hex ids, paths and the
// architecture's own names. The rules doing that are data (Rules), tried in
// order, and versioned (RuleVersion): a fingerprint is stored with the
// version that made it, so a new version regroups new results only.
//
// Fingerprints are computed at report time for results that lack one and
// written back when the database is writable (see store.DB.SaveFingerprints);
// results already fingerprinted keep their stored fingerprint.
package fingerprint
