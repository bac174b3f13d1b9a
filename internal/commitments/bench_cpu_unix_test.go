//go:build unix

package commitments

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used (user and system), so that benchmarks can
// report the work per operation as well as the wall time, which other load on the machine
// stretches.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
