package threshold

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// JUnitMeta describes the run a JUnit file reports on.
type JUnitMeta struct {
	RunID     string
	Scenario  string
	Target    string
	StartedAt time.Time
	Duration  time.Duration
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// EncodeJUnit writes the results as a JUnit XML report: one test suite
// "trafficsim thresholds", one test case per threshold (named by its
// expression), a failure with the observed value for each that failed.
func EncodeJUnit(w io.Writer, meta JUnitMeta, rs []Result) error {
	secs := strconv.FormatFloat(meta.Duration.Seconds(), 'f', 3, 64)
	suite := junitSuite{
		Name:  "trafficsim thresholds",
		Tests: len(rs),
		Time:  secs,
	}
	if !meta.StartedAt.IsZero() {
		suite.Timestamp = meta.StartedAt.UTC().Format("2006-01-02T15:04:05")
	}
	for _, p := range []junitProperty{
		{"run", meta.RunID}, {"scenario", meta.Scenario}, {"target", meta.Target},
	} {
		if p.Value != "" {
			suite.Properties = append(suite.Properties, p)
		}
	}
	for _, r := range rs {
		c := junitCase{Name: r.Expr, Classname: "trafficsim.thresholds", Time: "0", SystemOut: r.String()}
		if !r.Pass {
			suite.Failures++
			c.Failure = &junitFailure{Type: "threshold", Message: failureMessage(r), Text: r.String()}
		}
		suite.Cases = append(suite.Cases, c)
	}
	doc := junitSuites{Name: "trafficsim", Tests: suite.Tests, Failures: suite.Failures, Time: secs, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode JUnit XML: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func failureMessage(r Result) string {
	want := fmt.Sprintf("%s %s %s", r.Metric, r.Op, FormatValue(r.Unit, r.Limit))
	switch {
	case r.Note != "":
		return fmt.Sprintf("%s: %s", r.Expr, r.Note)
	case r.Window != nil && r.Window.Failed > 0 && r.Op.holds(r.Observed, r.Limit):
		return fmt.Sprintf("%s held over the whole run (%s) but failed in %d of %d %s windows (worst %s); want %s",
			r.Expr, FormatValue(r.Unit, r.Observed), r.Window.Failed, r.Window.Evaluated,
			FormatValue(Seconds, r.Window.Seconds), FormatValue(r.Unit, r.Window.Worst), want)
	}
	return fmt.Sprintf("%s%s observed %s; want %s", r.Metric, r.Scope, FormatValue(r.Unit, r.Observed), want)
}

// WriteJUnit writes the JUnit report to path atomically (a temporary file in
// the same directory, renamed over path).
func WriteJUnit(path string, meta JUnitMeta, rs []Result) error {
	var buf bytes.Buffer
	if err := EncodeJUnit(&buf, meta, rs); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write JUnit report %s: %w", path, err)
	}
	tmp := f.Name()
	_, err = f.Write(buf.Bytes())
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp) // best effort: the write already failed
		return fmt.Errorf("write JUnit report %s: %w", path, err)
	}
	return nil
}
