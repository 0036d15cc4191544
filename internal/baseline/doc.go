// Package baseline finds and downloads the base branch's results database
// for a pull request to be compared with, or writes an empty one and a note
// saying why there is none.
package baseline
