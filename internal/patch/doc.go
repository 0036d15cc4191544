// Package patch turns failure groups into template patches: rules (data,
// YAML) match failures and render edits into the user's copy of the
// templates, and a verification compares each patched test before and after.
//
// A Rule is a matcher (fingerprint, signature pattern, outcome class, status,
// error category, platform, category, architecture) plus edits. Every edit
// becomes a Change: a {{define}} block written into one template file,
// replacing the file's own definition of that block or appended to it. A
// change is wrapped in markers naming its rule, so applying a rule twice
// changes nothing.
//
// Rules ship in the binary (rules/*.yaml) and a repository adds its own in
// the patches folder next to its templates (.hwcov/patches/*.yaml); a rule
// there with the id of a shipped one replaces it.
//
// Nothing here opens a database or runs a test: Verify takes the results
// before and after as values, and the caller stores what it returns.
package patch
