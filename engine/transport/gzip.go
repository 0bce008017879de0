package transport

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/valyala/fasthttp"
)

// IsGzip reports an answer encoded with gzip.
func IsGzip(resp *fasthttp.Response) bool {
	ce := resp.Header.ContentEncoding()
	return len(ce) == 4 && string(ce) == "gzip"
}

// gzipReaders are reused across answers: a gzip.Reader holds tens of KB of
// tables.
var gzipReaders sync.Pool

var errTooLarge = errors.New("decoded answer is larger than the limit (512 KiB kept, 64 MiB dropped)")

// maxDropped bounds the decoding of an answer nobody parses: the CPU a
// compression bomb may cost.
const maxDropped = 64 << 20

// Gunzip decodes a gzip body into dst (nil: decoded and dropped, as a
// browser would still decode it) and returns the decoded length. More than
// MaxBody decoded bytes kept (64 MiB dropped) is an error (a compression
// bomb is not an answer).
func Gunzip(dst *bytes.Buffer, body []byte) (int64, error) {
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(body))
	} else {
		err = zr.Reset(bytes.NewReader(body))
	}
	if err != nil {
		return 0, fmt.Errorf("decode gzip answer: %w", err)
	}
	defer gzipReaders.Put(zr)
	limit := int64(MaxBody)
	if dst == nil {
		limit = maxDropped
	}
	lr := io.LimitedReader{R: zr, N: limit + 1}
	var n int64
	if dst != nil {
		n, err = dst.ReadFrom(&lr)
	} else {
		n, err = io.Copy(io.Discard, &lr)
	}
	switch {
	case err != nil:
		return n, fmt.Errorf("decode gzip answer: %w", err)
	case n > limit:
		return n, errTooLarge
	}
	return n, nil
}
