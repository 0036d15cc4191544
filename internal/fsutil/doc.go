// Package fsutil writes files so that a failure never leaves half a file:
// through a temporary name in the same folder and a rename.
package fsutil
