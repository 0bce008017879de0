package behaviour

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/resilience"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

// BenchmarkJourneyReplay is the engine's own work on a journey request and
// nothing else: no system call, no wait, no target. A journey VU (the journey
// of bench/scenarios/journey.yaml, the run's default policy) first runs b.N
// requests against the reference target in this process while its
// connections record every request and answer; then the same VU — same run
// id, same seed — runs again with connections that hand those answers back as
// the requests come, checking that each request is, byte for byte, the one
// recorded.
//
// warm: ns/op of the second run is what building, sending, reading and
// parsing a request, recording it and choosing the next one costs the
// engine with its code and data in the caches. cold: the same, but each
// request's connection reads through a 4 MiB buffer where the real one would
// wait for the answer (evicting the core's L1 and L2, as the host's other
// work does while the engine sleeps); engine-ns/op leaves that read out.
// Unlike wall-clock CPU on a shared host, both repeat to about 10%.
func BenchmarkJourneyReplay(b *testing.B) {
	for _, cold := range []bool{false, true} {
		b.Run(map[bool]string{false: "warm", true: "cold"}[cold], func(b *testing.B) { benchReplay(b, cold) })
	}
}

func benchReplay(b *testing.B, cold bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	target, err := usersvc.Start(ctx, usersvc.Config{BcryptCost: 4, AdminPassword: "Bench-admin-1"}, "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	tape := &tape{}
	var d net.Dialer
	rec, _ := replayVU(b, target.URL, b.N, func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &recordConn{Conn: c, tape: tape}, nil
	})
	drive(rec, -1)
	if rec.sent != b.N {
		b.Fatalf("recording: sent %d requests, want %d", rec.sent, b.N)
	}
	v, stop := replayVU(b, target.URL, b.N, func(context.Context, string, string) (net.Conn, error) {
		return &replayConn{tape: tape}, nil
	})
	tape.offTape = stop // a request off the recording ends the run at once
	if cold {
		tape.evict = make([]byte, 4<<20)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	drive(v, -1)
	elapsed := time.Since(start)
	b.StopTimer()
	if err := tape.err(); err != nil {
		b.Fatal(err)
	}
	if v.sent != b.N {
		b.Fatalf("replay: sent %d requests, want %d", v.sent, b.N)
	}
	if tape.next != len(tape.trips) {
		b.Fatalf("replay: %d answers of %d recorded taken", tape.next, len(tape.trips))
	}
	if cold {
		b.ReportMetric(float64(elapsed-tape.evicting)/float64(b.N), "engine-ns/op")
	}
}

// replayVU is VU 0 of the run "replay01" of journey.yaml with a budget of n
// requests, its client dialling with dial; stop ends the run (the VU and the
// policy's waits).
func replayVU(b *testing.B, url string, n int, dial func(context.Context, string, string) (net.Conn, error)) (v *VU, stop func()) {
	b.Helper()
	sc, err := scenario.Load("../../bench/scenarios/journey.yaml")
	if err != nil {
		b.Fatal(err)
	}
	const run = "replay01"
	reg := metrics.NewRegistry()
	pol, err := resilience.New(resilience.Defaults(), resilience.Run{ID: run, Users: 1, Registerer: reg})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pol.Stop)
	set := Settings{RunID: run, Seed: 1, MinRequests: n, MaxRequests: n, DelayMin: time.Nanosecond, DelayMax: time.Nanosecond}
	stopped := make(chan struct{})
	sh := runDialling(b, url, sc, set, reg, pol, dial, stopped)
	v = New(sh, 0, &sc.Archetypes[0])
	v.jt = &parking{}
	v.sessions = max(1, n/18)
	var once sync.Once
	return v, func() { once.Do(func() { close(stopped); pol.Stop() }) }
}

// tape is the requests and their answers, in the order sent.
type tape struct {
	mu    sync.Mutex
	trips []trip
	next  int // replay: the next answer to hand back
	bad   error
	// offTape is called (once, mu held) on the first request the recording
	// did not make.
	offTape func()
	// evict, when set, is read through before each answer is handed back;
	// evicting is the time that took, sink what it read.
	evict    []byte
	evicting time.Duration
	sink     byte
}

type trip struct {
	request []byte
	answer  []byte
}

func (t *tape) err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.bad
}

// recordConn records the answers read after each request written (one VU:
// requests go one at a time, whatever the connection).
type recordConn struct {
	net.Conn
	tape *tape
}

func (c *recordConn) Write(p []byte) (int, error) {
	c.tape.mu.Lock()
	c.tape.trips = append(c.tape.trips, trip{request: bytes.Clone(p)})
	c.tape.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *recordConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.tape.mu.Lock()
	if k := len(c.tape.trips); k > 0 {
		c.tape.trips[k-1].answer = append(c.tape.trips[k-1].answer, p[:n]...)
	}
	c.tape.mu.Unlock()
	return n, err
}

// replayConn hands back the recorded answer of each request written.
type replayConn struct {
	tape    *tape
	pending []byte
	closed  bool
}

var errOffTape = errors.New("replay: a request the recording did not make")

func (c *replayConn) Write(p []byte) (int, error) {
	t := c.tape
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.next >= len(t.trips) || !bytes.Equal(t.trips[t.next].request, p) {
		if t.bad == nil {
			t.bad = errOffTape
			if t.next < len(t.trips) {
				t.bad = errors.New("replay: sent " + string(firstLine(p)) + " (" + strconv.Itoa(len(p)) +
					" bytes), recorded " + string(firstLine(t.trips[t.next].request)) + " (" + strconv.Itoa(len(t.trips[t.next].request)) + " bytes)")
			}
			if t.offTape != nil {
				t.offTape()
			}
		}
		return 0, t.bad
	}
	c.pending = append(c.pending, t.trips[t.next].answer...)
	t.next++
	if t.evict != nil {
		start := time.Now()
		var x byte
		for i := 0; i < len(t.evict); i += 64 {
			x += t.evict[i]
			t.evict[i] = x // dirty lines: written back when evicted, as others' would be
		}
		t.sink += x
		t.evicting += time.Since(start)
	}
	return len(p), nil
}

func (c *replayConn) Read(p []byte) (int, error) {
	if len(c.pending) == 0 {
		return 0, errOffTape // every answer is handed back with its request
	}
	n := copy(p, c.pending)
	c.pending = c.pending[:copy(c.pending, c.pending[n:])]
	return n, nil
}

func (c *replayConn) Close() error                     { c.closed = true; return nil }
func (c *replayConn) LocalAddr() net.Addr              { return replayAddr{} }
func (c *replayConn) RemoteAddr() net.Addr             { return replayAddr{} }
func (c *replayConn) SetDeadline(time.Time) error      { return nil }
func (c *replayConn) SetReadDeadline(time.Time) error  { return nil }
func (c *replayConn) SetWriteDeadline(time.Time) error { return nil }

type replayAddr struct{}

func (replayAddr) Network() string { return "tcp" }
func (replayAddr) String() string  { return "127.0.0.1:0" }

func firstLine(p []byte) []byte {
	if i := bytes.IndexByte(p, '\n'); i >= 0 {
		return p[:i]
	}
	return p
}
