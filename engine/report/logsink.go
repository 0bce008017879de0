package report

import (
	"io"
	"sync"
)

// LogSink is where the engine's log lines go: straight to the stream, or — while
// a terminal progress box is drawn (WithLogSink) — held and written above the
// next frame, so a log line never lands inside the box or gets drawn over.
type LogSink struct {
	mu   sync.Mutex
	w    io.Writer
	held bool
	buf  []byte
}

// NewLogSink passes log lines to w until a progress box holds them.
func NewLogSink(w io.Writer) *LogSink { return &LogSink{w: w} }

// Write takes one or more whole log lines (slog writes one record a call).
func (s *LogSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held {
		if len(s.buf) < 1<<20 { // a flood between two frames is cut, not hoarded
			s.buf = append(s.buf, p...)
		}
		return len(p), nil
	}
	return s.w.Write(p)
}

// hold starts or ends holding; ending writes out what is held.
func (s *LogSink) hold(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held = on
	if !on && len(s.buf) > 0 {
		_, _ = s.w.Write(s.buf)
		s.buf = s.buf[:0]
	}
}

// take returns the lines held so far and forgets them.
func (s *LogSink) take() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := append([]byte(nil), s.buf...)
	s.buf = s.buf[:0]
	return b
}

// WithLogSink has a terminal progress box write the sink's held log lines above
// each frame (plain progress lines and log lines simply alternate).
func WithLogSink(s *LogSink) ProgressOption { return func(p *Progress) { p.sink = s } }
