//go:build !unix

package generator

import "time"

// processCPU is unknown here: the CPU reads 0 and only timer lag judges saturation.
func processCPU() time.Duration { return 0 }
