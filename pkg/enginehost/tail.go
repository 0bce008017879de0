package enginehost

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
)

// tail keeps the engine's last stderr lines so a crash can be explained.
type tail struct {
	mu    sync.Mutex
	lines []string
	buf   []byte
}

const tailLines = 5

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	for {
		i := bytes.IndexByte(t.buf, '\n')
		if i < 0 {
			break
		}
		if line := strings.TrimSpace(string(t.buf[:i])); line != "" {
			t.lines = append(t.lines, readable(line))
			if len(t.lines) > tailLines {
				t.lines = t.lines[len(t.lines)-tailLines:]
			}
		}
		t.buf = t.buf[i+1:]
	}
	if len(t.buf) > 64<<10 { // a runaway line without newline
		t.buf = t.buf[:0]
	}
	return len(p), nil
}

// readable turns an hclog JSON line into its message.
func readable(line string) string {
	var entry struct {
		Message string `json:"@message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal([]byte(line), &entry) == nil && entry.Message != "" {
		if entry.Error != "" {
			return entry.Message + ": " + entry.Error
		}
		return entry.Message
	}
	return line
}

// suffix is "; last engine output: ..." or "" when the engine said nothing.
func (t *tail) suffix() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lines) == 0 {
		return ""
	}
	return "; last engine output: " + strings.Join(t.lines, " | ")
}
