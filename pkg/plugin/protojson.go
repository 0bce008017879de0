package plugin

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
)

// Stats are a run's live figures in the resources' JSON: the contract's RunStats
// message written field by field, so a figure added to enginerpc.proto reaches the
// frontend (whose types internal/tsgen generates from the same proto) with no
// change here.
type Stats struct{ *enginerpc.RunStats }

// MarshalJSON writes the message as protoJSON does.
func (s Stats) MarshalJSON() ([]byte, error) { return protoJSON(nil, s.RunStats.ProtoReflect()) }

// UnmarshalJSON reads what MarshalJSON wrote (the tests, and clients in Go).
func (s *Stats) UnmarshalJSON(b []byte) error {
	s.RunStats = new(enginerpc.RunStats)
	return protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(b, s.RunStats)
}

// protoJSON appends m as a JSON object under protobuf's JSON names (lowerCamelCase)
// in field order. Unlike protojson, which is meant for the proto3 JSON mapping, it
// writes every field (zero values and empty lists too: the frontend reads them
// without checks) and 64-bit integers as numbers, which is what internal/tsgen's
// TypeScript types say. A nil message writes every field's zero value.
func protoJSON(b []byte, m protoreflect.Message) ([]byte, error) {
	b = append(b, '{')
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, f.JSONName())
		b = append(b, ':')
		var err error
		switch v := m.Get(f); {
		case f.IsMap():
			return nil, fmt.Errorf("%s: maps are not in the contract's JSON", f.FullName())
		case f.IsList():
			b = append(b, '[')
			for j := range v.List().Len() {
				if j > 0 {
					b = append(b, ',')
				}
				if b, err = protoValue(b, f, v.List().Get(j)); err != nil {
					return nil, err
				}
			}
			b = append(b, ']')
		default:
			if b, err = protoValue(b, f, v); err != nil {
				return nil, err
			}
		}
	}
	return append(b, '}'), nil
}

func protoValue(b []byte, f protoreflect.FieldDescriptor, v protoreflect.Value) ([]byte, error) {
	switch f.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return protoJSON(b, v.Message())
	case protoreflect.EnumKind:
		if ev := f.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return strconv.AppendQuote(b, string(ev.Name())), nil
		}
		return strconv.AppendInt(b, int64(v.Enum()), 10), nil
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		if x := v.Float(); math.IsNaN(x) || math.IsInf(x, 0) {
			return append(b, "null"...), nil // JSON has no NaN; the frontend shows null as unknown
		}
	}
	j, err := json.Marshal(v.Interface())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.FullName(), err)
	}
	return append(b, j...), nil
}
