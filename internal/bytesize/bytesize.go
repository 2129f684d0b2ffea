// Package bytesize writes byte counts the way people write limits in messages.
package bytesize

import "fmt"

// Format renders n as people write a cap: 8 MiB, 512 KiB, 1000 bytes.
func Format(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
