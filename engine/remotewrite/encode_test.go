package remotewrite

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/snappy"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/encoding/protowire"
)

// decoded is a WriteRequest read back field by field, independently of the
// encoder's size arithmetic.
type decoded struct {
	series []Series
	meta   []Metadata
}

func decodeWriteRequest(t *testing.T, b []byte) decoded {
	t.Helper()
	var out decoded
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || typ != protowire.BytesType {
			t.Fatalf("WriteRequest: bad tag %d/%d (%d)", num, typ, n)
		}
		b = b[n:]
		msg, n := protowire.ConsumeBytes(b)
		if n < 0 {
			t.Fatalf("WriteRequest field %d: bad length", num)
		}
		b = b[n:]
		switch num {
		case fieldWriteTimeseries:
			out.series = append(out.series, decodeSeries(t, msg))
		case fieldWriteMetadata:
			out.meta = append(out.meta, decodeMeta(t, msg))
		default:
			t.Fatalf("WriteRequest: unexpected field %d", num)
		}
	}
	return out
}

func fields(t *testing.T, b []byte, fn func(num protowire.Number, typ protowire.Type, b []byte) int) {
	t.Helper()
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatalf("bad tag: %v", protowire.ParseError(n))
		}
		b = b[n:]
		n = fn(num, typ, b)
		if n < 0 {
			t.Fatalf("field %d: %v", num, protowire.ParseError(n))
		}
		b = b[n:]
	}
}

func decodeSeries(t *testing.T, b []byte) Series {
	var s Series
	samples := 0
	fields(t, b, func(num protowire.Number, typ protowire.Type, b []byte) int {
		msg, n := protowire.ConsumeBytes(b)
		if typ != protowire.BytesType || n < 0 {
			t.Fatalf("TimeSeries field %d: not a message", num)
		}
		switch num {
		case fieldSeriesLabels:
			var l Label
			fields(t, msg, func(num protowire.Number, _ protowire.Type, b []byte) int {
				v, n := protowire.ConsumeString(b)
				if num == fieldLabelName {
					l.Name = v
				} else {
					l.Value = v
				}
				return n
			})
			s.Labels = append(s.Labels, l)
		case fieldSeriesSamples:
			samples++
			fields(t, msg, func(num protowire.Number, typ protowire.Type, b []byte) int {
				switch num {
				case fieldSampleValue:
					v, n := protowire.ConsumeFixed64(b)
					s.Value = math.Float64frombits(v)
					return n
				case fieldSampleTimestamp:
					v, n := protowire.ConsumeVarint(b)
					s.Timestamp = int64(v)
					return n
				}
				t.Fatalf("Sample: unexpected field %d", num)
				return -1
			})
		default:
			t.Fatalf("TimeSeries: unexpected field %d", num)
		}
		return n
	})
	if samples != 1 {
		t.Fatalf("series %v has %d samples, want 1", s.Labels, samples)
	}
	return s
}

func decodeMeta(t *testing.T, b []byte) Metadata {
	var m Metadata
	fields(t, b, func(num protowire.Number, typ protowire.Type, b []byte) int {
		switch num {
		case fieldMetaType:
			v, n := protowire.ConsumeVarint(b)
			m.Type = int32(v)
			return n
		case fieldMetaFamilyName:
			v, n := protowire.ConsumeString(b)
			m.Name = v
			return n
		case fieldMetaHelp:
			v, n := protowire.ConsumeString(b)
			m.Help = v
			return n
		}
		return protowire.ConsumeFieldValue(num, typ, b)
	})
	return m
}

// text renders series as `name{a="b"} value @ts` lines, sorted.
func text(ss []Series) []string {
	var out []string
	for _, s := range ss {
		var name string
		var ls []string
		for _, l := range s.Labels {
			if l.Name == "__name__" {
				name = l.Value
				continue
			}
			ls = append(ls, fmt.Sprintf("%s=%q", l.Name, l.Value))
		}
		out = append(out, fmt.Sprintf("%s{%s} %g @%d", name, strings.Join(ls, ","), s.Value, s.Timestamp))
	}
	slices.Sort(out)
	return out
}

func testRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "t_requests_total", Help: "Requests.", ConstLabels: prometheus.Labels{"run": "r1"}}, []string{"route", "status"})
	c.WithLabelValues("/api/v1/users/{id}", "200").Add(7)
	c.WithLabelValues("/api/v1/users/{id}", "").Add(1) // empty value: no label
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "t_users", Help: "Users."})
	g.Set(-2.5)
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "t_seconds", Help: "Latency.", Buckets: []float64{0.001, 0.5, 1}})
	for _, v := range []float64{0.0005, 0.2, 0.7, 3} {
		h.Observe(v)
	}
	s := prometheus.NewSummary(prometheus.SummaryOpts{Name: "t_summary", Help: "Sizes.", Objectives: map[float64]float64{0.5: 0.05}})
	s.Observe(4)
	u := prometheus.NewUntypedFunc(prometheus.UntypedOpts{Name: "t_untyped", Help: "Untyped."}, func() float64 { return 1 })
	// A metric that already has a job label keeps it.
	j := prometheus.NewGauge(prometheus.GaugeOpts{Name: "t_job", Help: "Job.", ConstLabels: prometheus.Labels{"job": "own"}})
	j.Set(1)
	reg.MustRegister(c, g, h, s, u, j)
	return reg
}

func TestConvertAndEncodeRoundTrip(t *testing.T) {
	mfs, err := testRegistry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	series, meta := Convert(mfs, []Label{{"instance", "host1"}, {"job", "trafficsim"}}, 1700000000123)
	want := []string{
		`t_job{instance="host1",job="own"} 1 @1700000000123`,
		`t_requests_total{instance="host1",job="trafficsim",route="/api/v1/users/{id}",run="r1",status="200"} 7 @1700000000123`,
		`t_requests_total{instance="host1",job="trafficsim",route="/api/v1/users/{id}",run="r1"} 1 @1700000000123`,
		`t_seconds_bucket{instance="host1",job="trafficsim",le="+Inf"} 4 @1700000000123`,
		`t_seconds_bucket{instance="host1",job="trafficsim",le="0.001"} 1 @1700000000123`,
		`t_seconds_bucket{instance="host1",job="trafficsim",le="0.5"} 2 @1700000000123`,
		`t_seconds_bucket{instance="host1",job="trafficsim",le="1"} 3 @1700000000123`,
		`t_seconds_count{instance="host1",job="trafficsim"} 4 @1700000000123`,
		`t_seconds_sum{instance="host1",job="trafficsim"} 3.9005 @1700000000123`,
		`t_summary_count{instance="host1",job="trafficsim"} 1 @1700000000123`,
		`t_summary_sum{instance="host1",job="trafficsim"} 4 @1700000000123`,
		`t_summary{instance="host1",job="trafficsim",quantile="0.5"} 4 @1700000000123`,
		`t_untyped{instance="host1",job="trafficsim"} 1 @1700000000123`,
		`t_users{instance="host1",job="trafficsim"} -2.5 @1700000000123`,
	}
	got := text(series)
	if !slices.Equal(got, want) {
		t.Fatalf("series:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, s := range series {
		if !slices.IsSortedFunc(s.Labels, func(a, b Label) int { return strings.Compare(a.Name, b.Name) }) {
			t.Fatalf("labels not sorted: %v", s.Labels)
		}
	}

	// Through protobuf and snappy and back.
	body := snappy.Encode(nil, AppendWriteRequest(nil, series, meta))
	raw, err := snappy.DecodeStrict(nil, body) // the reference Snappy block format
	if err != nil {
		t.Fatalf("snappy block does not decode strictly: %v", err)
	}
	dec := decodeWriteRequest(t, raw)
	if got := text(dec.series); !slices.Equal(got, want) {
		t.Fatalf("decoded series:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	types := map[string]int32{}
	for _, m := range dec.meta {
		types[m.Name] = m.Type
		if m.Help == "" {
			t.Errorf("metadata of %s has no help", m.Name)
		}
	}
	wantTypes := map[string]int32{"t_requests_total": metaCounter, "t_users": metaGauge, "t_seconds": metaHistogram, "t_summary": metaSummary, "t_untyped": metaUnknown, "t_job": metaGauge}
	for n, ty := range wantTypes {
		if types[n] != ty {
			t.Errorf("metadata type of %s = %d, want %d", n, types[n], ty)
		}
	}
}

// Bytes pinned against the protobuf encoding of the same message: a series
// {__name__="up"} 1 @1000 is field 1 (len 30) holding a label (field 1, len 14:
// name "__name__", value "up") and a sample (field 2, len 12: double 1.0,
// varint 1000).
func TestEncodeBytes(t *testing.T) {
	got := AppendWriteRequest(nil, []Series{{Labels: []Label{{"__name__", "up"}}, Value: 1, Timestamp: 1000}}, nil)
	want := []byte{
		0x0a, 30,
		0x0a, 14, 0x0a, 8, '_', '_', 'n', 'a', 'm', 'e', '_', '_', 0x12, 2, 'u', 'p',
		0x12, 12, 0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x10, 0xe8, 0x07,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("encoding:\n got % x\nwant % x", got, want)
	}
}

func TestFormatFloat(t *testing.T) {
	for v, want := range map[float64]string{0.001: "0.001", 1: "1", 2.5: "2.5", 30: "30", math.Inf(1): "+Inf", 1e-05: "1e-05", 0.95: "0.95"} {
		if got := formatFloat(v); got != want {
			t.Errorf("formatFloat(%v) = %q, want %q", v, got, want)
		}
	}
}
