package kwrite

import "unsafe"

// stringBytes views s as bytes without copying. The caller only reads
// them, and copies them before s can change.
func stringBytes(s string) []byte {
	if s == "" {
		return []byte{}
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
