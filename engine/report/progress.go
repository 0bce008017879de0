// Package report shows a run to people and tools: the live progress display
// (a refreshing box on a terminal, plain lines elsewhere), the final text report
// and the summary JSON written by --summary.
package report

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/trafficsim/trafficsim/engine/metrics"
)

// Live is what the progress display needs from a run, filled by the runner.
type Live struct {
	RunID       string
	Scenario    string
	State       string // starting, running, stopping, finished, failed
	UsersTotal  int
	UsersActive int           // VUs started and not done (active or thinking)
	Elapsed     time.Duration // since the run started
	Remaining   time.Duration // estimate; negative when unknown
	Stats       metrics.Stats
	// Load is the load model's line, e.g. "open 300/s · dropped 3" (empty: none).
	Load string
	// Breakers names the groups whose circuit breaker is not closed, e.g.
	// "open: profile · half-open: auth", and Degraded the degradation level
	// (empty: none), so a drop in requests is explained where it shows.
	Breakers string
	Degraded string
	// Generator warns while the engine itself is saturated (GeneratorWarning;
	// empty: it is not).
	Generator string
}

// Progress renders a run's Live state to w until its context ends.
type Progress struct {
	w        io.Writer
	src      func() Live
	terminal bool
	interval time.Duration
	recent   int
	width    int // inner width of the box
	cols     int // terminal columns; 0 when unknown
	loc      *time.Location
	now      func() time.Time

	sink *LogSink // log lines to draw above the box (terminal only)

	lines    int // lines of the last terminal frame, to redraw over it
	rate     rateMeter
	rendered bool
}

// ProgressOption tunes a Progress.
type ProgressOption func(*Progress)

// WithInterval sets how often the display refreshes (default: 1s on a terminal,
// 5s for plain lines).
func WithInterval(d time.Duration) ProgressOption { return func(p *Progress) { p.interval = d } }

// WithTerminal overrides the detection of whether w is a terminal.
func WithTerminal(on bool) ProgressOption { return func(p *Progress) { p.terminal = on } }

// WithRecent sets how many recent requests the terminal box lists (default 5, at most 20).
func WithRecent(n int) ProgressOption { return func(p *Progress) { p.recent = n } }

// WithLocation sets the time zone of the clock times shown (default: local).
func WithLocation(loc *time.Location) ProgressOption { return func(p *Progress) { p.loc = loc } }

// WithClock replaces time.Now for the plain lines' timestamps (tests).
func WithClock(now func() time.Time) ProgressOption { return func(p *Progress) { p.now = now } }

// IsTerminal reports whether w is a terminal the box can be drawn on.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// NewProgress returns a display writing to w and reading the run through src.
func NewProgress(w io.Writer, src func() Live, opts ...ProgressOption) *Progress {
	p := &Progress{w: w, src: src, terminal: IsTerminal(w), recent: 5, width: boxWidth, loc: time.Local, now: time.Now}
	for _, o := range opts {
		o(p)
	}
	if p.interval <= 0 {
		p.interval = 5 * time.Second
		if p.terminal {
			p.interval = time.Second
		}
	}
	p.recent = min(max(p.recent, 0), 20)
	if f, ok := w.(*os.File); ok && p.terminal {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			p.cols = cols
			// A line wider than the terminal wraps and breaks the redraw.
			p.width = min(boxWidth, max(cols-3, 30))
		}
	}
	return p
}

// Run refreshes the display every interval until ctx ends, then draws a last
// frame so the final numbers stay on screen. It returns the first write error
// (a closed pipe, say) or nil when ctx ended.
func (p *Progress) Run(ctx context.Context) error {
	t := time.NewTicker(p.interval)
	defer t.Stop()
	if p.sink != nil && p.terminal {
		p.sink.hold(true)
		defer p.sink.hold(false) // what came after the last frame goes under it
	}
	if err := p.Render(); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return p.Render()
		case <-t.C:
			if err := p.Render(); err != nil {
				return err
			}
		}
	}
}

// Render draws one frame now.
func (p *Progress) Render() error {
	l := p.src()
	rps := p.rate.update(l.Stats.Requests, l.Elapsed)
	if !p.terminal {
		_, err := io.WriteString(p.w, PlainLine(l, rps, p.now().In(p.loc))+"\n")
		if err != nil {
			return fmt.Errorf("write progress line: %w", err)
		}
		return nil
	}
	frame := Box(l, rps, p.recent, p.width, p.loc)
	if p.cols > 1 {
		// Stay off the last column: some terminals wrap a line that fills it.
		for i, line := range frame {
			if utf8.RuneCountInString(line) >= p.cols {
				frame[i] = fit(line, p.cols-1, ' ')
			}
		}
	}
	var b strings.Builder
	if p.rendered && p.lines > 0 {
		// Back to the first line of the previous frame, then overwrite it.
		fmt.Fprintf(&b, "\x1b[%dF", p.lines)
	}
	if p.sink != nil {
		if logs := p.sink.take(); len(logs) > 0 {
			// Log lines scroll up above the box, never into it.
			b.WriteString("\x1b[J")
			b.Write(logs)
		}
	}
	for _, line := range frame {
		b.WriteString(line)
		b.WriteString("\x1b[K\n")
	}
	b.WriteString("\x1b[J") // the previous frame may have been taller
	p.lines = len(frame)
	p.rendered = true
	if _, err := io.WriteString(p.w, b.String()); err != nil {
		return fmt.Errorf("write progress box: %w", err)
	}
	return nil
}

// rateMeter turns successive (requests, elapsed) readings into the current
// request rate; the first reading gives the average since the start.
type rateMeter struct {
	requests int64
	elapsed  time.Duration
	seen     bool
}

func (m *rateMeter) update(requests int64, elapsed time.Duration) float64 {
	var rps float64
	switch {
	case m.seen && elapsed > m.elapsed:
		rps = float64(requests-m.requests) / (elapsed - m.elapsed).Seconds()
	case elapsed > 0:
		rps = float64(requests) / elapsed.Seconds()
	}
	m.requests, m.elapsed, m.seen = requests, elapsed, true
	return max(rps, 0)
}

const boxWidth = 64 // inner width of the terminal box, in columns

// Box renders the terminal frame: the box with the run's figures and, under it,
// up to recent of the newest requests. It is a pure function of its inputs.
func Box(l Live, rps float64, recent, width int, loc *time.Location) []string {
	st := l.Stats
	title := " trafficsim"
	if l.RunID != "" {
		title += " · run " + l.RunID
	}
	if l.Scenario != "" {
		title += " · " + l.Scenario
	}
	if l.State != "" {
		title += " · " + l.State
	}
	title += " "
	rows := []string{
		fmt.Sprintf("Users     %d active / %d total", l.UsersActive, l.UsersTotal),
	}
	if l.Load != "" {
		rows = append(rows, "Load      "+l.Load)
	}
	if l.Breakers != "" {
		rows = append(rows, "Breakers  "+l.Breakers)
	}
	if l.Degraded != "" {
		rows = append(rows, "Degraded  "+l.Degraded)
	}
	if l.Generator != "" {
		rows = append(rows, "Engine    "+l.Generator)
	}
	rows = append(rows,
		fmt.Sprintf("Requests  %s  (%.1f/s)", thousands(st.Requests), rps),
		fmt.Sprintf("Success   %s   Errors %s", percent(st.Outcomes.Success, st.Requests), errorsText(st)),
		fmt.Sprintf("Latency   avg %s · p95 %s · peak %s", Duration(st.Latency.Mean), Duration(st.Latency.P95), Duration(st.Latency.Max)),
		fmt.Sprintf("Elapsed   %s   Remaining %s", Clock(l.Elapsed), remainingText(l.Remaining)),
	)
	out := make([]string, 0, len(rows)+2+recent)
	out = append(out, "┌─"+fit(title, width-1, '─')+"┐")
	for _, r := range rows {
		out = append(out, "│ "+fit(r, width-2, ' ')+" │")
	}
	out = append(out, "└"+strings.Repeat("─", width)+"┘")
	ev := st.Recent
	if len(ev) > recent {
		ev = ev[len(ev)-recent:]
	}
	for _, e := range ev {
		out = append(out, EventLine(e, loc))
	}
	return out
}

// PlainLine renders the one-line progress used when the output is not a terminal.
func PlainLine(l Live, rps float64, now time.Time) string {
	st := l.Stats
	line := fmt.Sprintf("[%s] run %s: users %d/%d, requests %d (%.1f/s), success %s, errors %d, avg %s, p95 %s, peak %s, elapsed %s, remaining %s",
		now.Format("15:04:05"), l.RunID, l.UsersActive, l.UsersTotal, st.Requests, rps,
		percent(st.Outcomes.Success, st.Requests), errorCount(st), Duration(st.Latency.Mean),
		Duration(st.Latency.P95), Duration(st.Latency.Max), Clock(l.Elapsed), remainingText(l.Remaining))
	if l.Load != "" {
		line += ", load " + l.Load
	}
	if l.Breakers != "" {
		line += ", breakers " + l.Breakers
	}
	if l.Degraded != "" {
		line += ", degraded " + l.Degraded
	}
	if l.Generator != "" {
		line += ", " + l.Generator
	}
	return line
}

// EventLine formats one request of the live feed:
// "[12:34:15] vu-045: POST /api/v1/users → 201 (123ms)".
func EventLine(e metrics.Event, loc *time.Location) string {
	return fmt.Sprintf("[%s] vu-%03d: %s %s → %s (%s)", e.Time.In(loc).Format("15:04:05"), e.VU, e.Method, e.Route,
		metrics.StatusLabel(e.Status), Duration(e.Latency))
}

func errorCount(st metrics.Stats) int64 {
	return st.Outcomes.ClientError + st.Outcomes.ServerError + st.Outcomes.NetworkError + st.Outcomes.FailedAnswer
}

func errorsText(st metrics.Stats) string {
	o := st.Outcomes
	text := fmt.Sprintf("%s (4xx %s · 5xx %s · net %s", thousands(errorCount(st)), thousands(o.ClientError),
		thousands(o.ServerError), thousands(o.NetworkError))
	if o.FailedAnswer > 0 {
		text += " · failed answer " + thousands(o.FailedAnswer) // a redirect, an unreadable answer
	}
	return text + ")"
}

func remainingText(d time.Duration) string {
	if d < 0 {
		return "unknown"
	}
	return "~" + Clock(d)
}

// fit pads s with pad to exactly n columns, or cuts it with an ellipsis.
func fit(s string, n int, pad rune) string {
	c := utf8.RuneCountInString(s)
	if c <= n {
		return s + strings.Repeat(string(pad), n-c)
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// percent renders part/total as "85.2%", or "-" when total is 0.
func percent(part, total int64) string {
	if total == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(part)/float64(total))
}

// Duration renders a latency compactly: 850µs, 12ms, 1.25s.
func Duration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0ms"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d/time.Microsecond)
	case d < 10*time.Second:
		if d < time.Second {
			return fmt.Sprintf("%dms", d.Round(time.Millisecond)/time.Millisecond)
		}
		return fmt.Sprintf("%.2fs", d.Seconds())
	default:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
}

// Clock renders an elapsed time as 1m05s or 1h02m03s.
func Clock(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%dh%02dm%02ds", h, m, s)
	}
	return fmt.Sprintf("%dm%02ds", m, s)
}

// thousands renders n with thousands separators: 12,345.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
