//go:build !unix

package capacity

// RaiseOpenFiles does nothing where there is no open-file limit to raise
// (Windows): the zero Files, no limit applied.
func RaiseOpenFiles() Files { return Files{} }
