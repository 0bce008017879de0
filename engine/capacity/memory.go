package capacity

import (
	"os"
	"strconv"
	"strings"

	"github.com/prometheus/procfs"
)

// AvailableMemory is what this process can still take, in bytes: the
// kernel's MemAvailable, lowered to the room left under a cgroup v2 memory
// limit (a container's). 0: unknown (not Linux), no check made.
func AvailableMemory() int64 {
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		return 0
	}
	mi, err := fs.Meminfo()
	if err != nil || mi.MemAvailableBytes == nil {
		return 0
	}
	avail := int64(*mi.MemAvailableBytes)
	if room := cgroupRoom(); room > 0 {
		avail = min(avail, room)
	}
	return avail
}

// cgroupRoom is the cgroup v2 memory limit less what the cgroup uses (0: no
// limit or not readable).
func cgroupRoom() int64 {
	limit, ok := readInt("/sys/fs/cgroup/memory.max")
	if !ok {
		return 0
	}
	used, _ := readInt("/sys/fs/cgroup/memory.current")
	return max(limit-used, 1)
}

func readInt(path string) (int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return n, err == nil && n > 0
}
