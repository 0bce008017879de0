package remotewrite

import (
	"math"
	"slices"
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/encoding/protowire"
)

// StaleNaN is Prometheus' staleness marker: the sample value that ends a
// series at once instead of after the 5-minute lookback.
var StaleNaN = math.Float64frombits(0x7ff0000000000002)

// Label is one name/value pair of a series.
type Label struct {
	Name, Value string
}

// Series is one time series with a single sample, as sent.
type Series struct {
	Labels    []Label // sorted by name; __name__ included
	Value     float64
	Timestamp int64 // milliseconds since the epoch
}

// key identifies a series across pushes (labels are sorted).
func (s *Series) key() string {
	var b strings.Builder
	for _, l := range s.Labels {
		b.WriteString(l.Name)
		b.WriteByte(0xff)
		b.WriteString(l.Value)
		b.WriteByte(0xff)
	}
	return b.String()
}

// Metric types of the remote-write MetricMetadata message.
const (
	metaUnknown   = 0
	metaCounter   = 1
	metaGauge     = 2
	metaHistogram = 3
	metaSummary   = 5
)

// Metadata describes one metric family (remote write 1.0 MetricMetadata).
type Metadata struct {
	Type int32
	Name string
	Help string
}

// Convert flattens gathered metric families into series the way Prometheus
// would scrape them: counters, gauges and untyped as one series each;
// classic histograms as NAME_bucket{le} (with le="+Inf"), NAME_sum and
// NAME_count; summaries as NAME{quantile}, NAME_sum and NAME_count. Native
// histogram data is not sent. extra labels are added to every series unless
// the series already has that label (like Prometheus' external labels).
// Samples without their own timestamp get tsMillis.
func Convert(mfs []*dto.MetricFamily, extra []Label, tsMillis int64) ([]Series, []Metadata) {
	var out []Series
	var meta []Metadata
	for _, mf := range mfs {
		name := mf.GetName()
		md := Metadata{Name: name, Help: mf.GetHelp()}
		for _, m := range mf.GetMetric() {
			ts := tsMillis
			if m.TimestampMs != nil {
				ts = m.GetTimestampMs()
			}
			base := make([]Label, 0, len(m.GetLabel())+len(extra)+2)
			for _, lp := range m.GetLabel() {
				if lp.GetValue() != "" { // empty is absent in Prometheus
					base = append(base, Label{lp.GetName(), lp.GetValue()})
				}
			}
			for _, e := range extra {
				if !hasLabel(base, e.Name) {
					base = append(base, e)
				}
			}
			add := func(metric string, v float64, more ...Label) {
				ls := make([]Label, 0, len(base)+1+len(more))
				ls = append(ls, Label{"__name__", metric})
				ls = append(ls, base...)
				for _, l := range more {
					// A label named le or quantile on the metric itself would clash.
					ls = slices.DeleteFunc(ls, func(x Label) bool { return x.Name == l.Name })
					ls = append(ls, l)
				}
				slices.SortFunc(ls, func(a, b Label) int { return strings.Compare(a.Name, b.Name) })
				out = append(out, Series{Labels: ls, Value: v, Timestamp: ts})
			}
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				md.Type = metaCounter
				add(name, m.GetCounter().GetValue())
			case dto.MetricType_GAUGE:
				md.Type = metaGauge
				add(name, m.GetGauge().GetValue())
			case dto.MetricType_UNTYPED:
				md.Type = metaUnknown
				add(name, m.GetUntyped().GetValue())
			case dto.MetricType_SUMMARY:
				md.Type = metaSummary
				s := m.GetSummary()
				for _, q := range s.GetQuantile() {
					add(name, q.GetValue(), Label{"quantile", formatFloat(q.GetQuantile())})
				}
				add(name+"_sum", s.GetSampleSum())
				add(name+"_count", float64(s.GetSampleCount()))
			case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
				md.Type = metaHistogram
				h := m.GetHistogram()
				count := float64(h.GetSampleCount())
				if h.SampleCountFloat != nil {
					count = h.GetSampleCountFloat()
				}
				sawInf := false
				for _, b := range h.GetBucket() {
					c := float64(b.GetCumulativeCount())
					if b.CumulativeCountFloat != nil {
						c = b.GetCumulativeCountFloat()
					}
					if math.IsInf(b.GetUpperBound(), +1) {
						sawInf = true
					}
					add(name+"_bucket", c, Label{"le", formatFloat(b.GetUpperBound())})
				}
				if !sawInf {
					add(name+"_bucket", count, Label{"le", "+Inf"})
				}
				add(name+"_sum", h.GetSampleSum())
				add(name+"_count", count)
			}
		}
		meta = append(meta, md)
	}
	return out, meta
}

func hasLabel(ls []Label, name string) bool {
	for _, l := range ls {
		if l.Name == name {
			return true
		}
	}
	return false
}

// formatFloat writes le and quantile values as the Prometheus text format
// does, so pushed and scraped series have the same labels.
func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, +1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case math.IsNaN(f):
		return "NaN"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// Field numbers of the remote write 1.0 protobuf (prometheus/prompb).
const (
	fieldWriteTimeseries = 1 // WriteRequest.timeseries
	fieldWriteMetadata   = 3 // WriteRequest.metadata
	fieldSeriesLabels    = 1 // TimeSeries.labels
	fieldSeriesSamples   = 2 // TimeSeries.samples
	fieldLabelName       = 1 // Label.name
	fieldLabelValue      = 2 // Label.value
	fieldSampleValue     = 1 // Sample.value (double)
	fieldSampleTimestamp = 2 // Sample.timestamp (int64, ms)
	fieldMetaType        = 1 // MetricMetadata.type
	fieldMetaFamilyName  = 2 // MetricMetadata.metric_family_name
	fieldMetaHelp        = 4 // MetricMetadata.help
)

// AppendWriteRequest appends the protobuf encoding of a remote write 1.0
// WriteRequest holding series and metadata to b.
func AppendWriteRequest(b []byte, series []Series, meta []Metadata) []byte {
	for i := range series {
		s := &series[i]
		b = protowire.AppendTag(b, fieldWriteTimeseries, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(seriesSize(s)))
		for _, l := range s.Labels {
			b = protowire.AppendTag(b, fieldSeriesLabels, protowire.BytesType)
			b = protowire.AppendVarint(b, uint64(labelSize(l)))
			b = appendString(b, fieldLabelName, l.Name)
			b = appendString(b, fieldLabelValue, l.Value)
		}
		b = protowire.AppendTag(b, fieldSeriesSamples, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(sampleSize(s)))
		b = protowire.AppendTag(b, fieldSampleValue, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, math.Float64bits(s.Value))
		if s.Timestamp != 0 {
			b = protowire.AppendTag(b, fieldSampleTimestamp, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(s.Timestamp))
		}
	}
	for _, m := range meta {
		b = protowire.AppendTag(b, fieldWriteMetadata, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(metaSize(m)))
		if m.Type != 0 {
			b = protowire.AppendTag(b, fieldMetaType, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(m.Type))
		}
		b = appendString(b, fieldMetaFamilyName, m.Name)
		b = appendString(b, fieldMetaHelp, m.Help)
	}
	return b
}

func appendString(b []byte, field protowire.Number, s string) []byte {
	if s == "" {
		return b // proto3: the default is not written
	}
	b = protowire.AppendTag(b, field, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func stringSize(field protowire.Number, s string) int {
	if s == "" {
		return 0
	}
	return protowire.SizeTag(field) + protowire.SizeBytes(len(s))
}

func labelSize(l Label) int {
	return stringSize(fieldLabelName, l.Name) + stringSize(fieldLabelValue, l.Value)
}

func sampleSize(s *Series) int {
	n := protowire.SizeTag(fieldSampleValue) + protowire.SizeFixed64()
	if s.Timestamp != 0 {
		n += protowire.SizeTag(fieldSampleTimestamp) + protowire.SizeVarint(uint64(s.Timestamp))
	}
	return n
}

func seriesSize(s *Series) int {
	n := 0
	for _, l := range s.Labels {
		n += protowire.SizeTag(fieldSeriesLabels) + protowire.SizeBytes(labelSize(l))
	}
	return n + protowire.SizeTag(fieldSeriesSamples) + protowire.SizeBytes(sampleSize(s))
}

func metaSize(m Metadata) int {
	n := stringSize(fieldMetaFamilyName, m.Name) + stringSize(fieldMetaHelp, m.Help)
	if m.Type != 0 {
		n += protowire.SizeTag(fieldMetaType) + protowire.SizeVarint(uint64(m.Type))
	}
	return n
}
