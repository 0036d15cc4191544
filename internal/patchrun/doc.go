// Package patchrun is what the patch commands do against a workspace and
// its database: read the failures with their fingerprints and the rules,
// apply the matching rules to the templates and verify the applied ones by
// re-running the tests they touch.
package patchrun
